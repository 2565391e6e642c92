namespace TagWorker.Imaging;

/// <summary>Encodes RGB pixels as a JPEG (thumbnails and previews) through libvips.</summary>
public static unsafe class JpegEncoder
{
    public static byte[] Encode(RgbImage image, int quality)
    {
        Vips.EnsureLoaded();
        nint vipsImage;
        fixed (byte* pixels = image.Pixels)
        {
            vipsImage = Vips.NewFromMemoryCopy(pixels, (nuint)(image.Width * image.Height * 3), image.Width, image.Height, 3, Vips.FormatUchar);
        }
        if (vipsImage == 0)
        {
            throw Vips.Error("cannot wrap pixels");
        }
        try
        {
            nint buffer;
            nuint length;
            fixed (byte* q = "Q\0"u8, strip = "strip\0"u8)
            {
                if (Vips.JpegSaveBuffer(vipsImage, &buffer, &length, q, quality, strip, 1, 0) != 0)
                {
                    throw Vips.Error("cannot encode JPEG");
                }
            }
            try
            {
                return new ReadOnlySpan<byte>((void*)buffer, (int)length).ToArray();
            }
            finally
            {
                Vips.Free(buffer);
            }
        }
        finally
        {
            Vips.Unref(vipsImage);
        }
    }
}
