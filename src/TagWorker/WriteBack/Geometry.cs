namespace TagWorker.WriteBack;

/// <summary>From displayed coordinates (EXIF orientation applied) to the stored pixels MWG regions refer to.</summary>
public static class Geometry
{
    /// <summary>The stored image's size: displayed width and height swapped for orientations 5 to 8.</summary>
    public static (int W, int H) StoredSize(int displayedWidth, int displayedHeight, int orientation) =>
        orientation >= 5 ? (displayedHeight, displayedWidth) : (displayedWidth, displayedHeight);

    /// <summary>
    /// A box (left, top, width, height in displayed pixels) as a normalised centre and size in stored pixels.
    /// The mapping inverts what each orientation does to the stored image (2 mirror, 3 rotate 180, 4 flip,
    /// 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 anticlockwise).
    /// </summary>
    public static (double X, double Y, double W, double H) ToStored(
        double left,
        double top,
        double width,
        double height,
        int displayedWidth,
        int displayedHeight,
        int orientation
    )
    {
        var u = (left + width / 2) / displayedWidth;
        var v = (top + height / 2) / displayedHeight;
        var w = width / displayedWidth;
        var h = height / displayedHeight;
        return orientation switch
        {
            2 => (1 - u, v, w, h),
            3 => (1 - u, 1 - v, w, h),
            4 => (u, 1 - v, w, h),
            5 => (v, u, h, w),
            6 => (v, 1 - u, h, w),
            7 => (1 - v, 1 - u, h, w),
            8 => (1 - v, u, h, w),
            _ => (u, v, w, h),
        };
    }
}
