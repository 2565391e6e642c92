namespace TagWorker.Imaging;

/// <summary>
/// Pixel work on <see cref="RgbImage"/> that feeds the models, in plain C#: bilinear sampling with
/// OpenCV's conventions (INTER_LINEAR pixel centres, warpAffine's inverse mapping, border 0) so the
/// results match the reference pipeline the models were checked with.
/// </summary>
public static class ImageOps
{
    /// <summary>Resizes keeping the aspect ratio into <paramref name="tensor"/> (NCHW, one image), padding the rest.</summary>
    public static Letterbox LetterboxInto(RgbImage image, TensorInput input, Span<float> tensor)
    {
        var ratio = Math.Min((double)input.Width / image.Width, (double)input.Height / image.Height);
        var width = Math.Max(1, (int)Math.Round(image.Width * ratio));
        var height = Math.Max(1, (int)Math.Round(image.Height * ratio));
        var padX = input.CentrePad ? (input.Width - width) / 2 : 0;
        var padY = input.CentrePad ? (input.Height - height) / 2 : 0;
        var plane = input.Width * input.Height;
        var pad = (input.Pad - input.Mean) * input.Scale;
        tensor[..(plane * 3)].Fill(pad);
        var scaleX = (double)image.Width / width;
        var scaleY = (double)image.Height / height;
        var pixels = image.Pixels;
        var stride = image.Stride;
        var xs = new (int X0, int X1, float Fx)[width];
        for (var x = 0; x < width; x++)
        {
            xs[x] = Axis((x + 0.5) * scaleX - 0.5, image.Width);
        }
        for (var y = 0; y < height; y++)
        {
            var (y0, y1, fy) = Axis((y + 0.5) * scaleY - 0.5, image.Height);
            var row0 = y0 * stride;
            var row1 = y1 * stride;
            var offset = (y + padY) * input.Width + padX;
            for (var x = 0; x < width; x++)
            {
                var (x0, x1, fx) = xs[x];
                for (var c = 0; c < 3; c++)
                {
                    var top = pixels[row0 + x0 * 3 + c] + (pixels[row0 + x1 * 3 + c] - pixels[row0 + x0 * 3 + c]) * fx;
                    var bottom = pixels[row1 + x0 * 3 + c] + (pixels[row1 + x1 * 3 + c] - pixels[row1 + x0 * 3 + c]) * fx;
                    var value = top + (bottom - top) * fy;
                    var channel = input.Bgr ? 2 - c : c;
                    tensor[channel * plane + offset + x] = (value - input.Mean) * input.Scale;
                }
            }
        }
        return new Letterbox(ratio, padX, padY);
    }

    /// <summary>
    /// Fills an input of the model's size by inverse-mapping each output pixel through the 2x3 affine
    /// <paramref name="m"/> (image to output coordinates), bilinear, outside the image 0.
    /// </summary>
    public static void WarpAffineInto(RgbImage image, ReadOnlySpan<double> m, TensorInput input, Span<float> tensor)
    {
        var det = m[0] * m[4] - m[1] * m[3];
        if (Math.Abs(det) < 1e-12)
        {
            throw new ArgumentException("the transform is degenerate", nameof(m));
        }
        // Inverse of [a b c; d e f].
        var ia = m[4] / det;
        var ib = -m[1] / det;
        var id = -m[3] / det;
        var ie = m[0] / det;
        var ic = -(ia * m[2] + ib * m[5]);
        var iff = -(id * m[2] + ie * m[5]);
        var plane = input.Width * input.Height;
        var pixels = image.Pixels;
        for (var y = 0; y < input.Height; y++)
        {
            for (var x = 0; x < input.Width; x++)
            {
                var sx = ia * x + ib * y + ic;
                var sy = id * x + ie * y + iff;
                var x0 = (int)Math.Floor(sx);
                var y0 = (int)Math.Floor(sy);
                var fx = (float)(sx - x0);
                var fy = (float)(sy - y0);
                for (var c = 0; c < 3; c++)
                {
                    var p00 = Sample(pixels, image, x0, y0, c);
                    var p10 = Sample(pixels, image, x0 + 1, y0, c);
                    var p01 = Sample(pixels, image, x0, y0 + 1, c);
                    var p11 = Sample(pixels, image, x0 + 1, y0 + 1, c);
                    var top = p00 + (p10 - p00) * fx;
                    var value = top + (p01 + (p11 - p01) * fx - top) * fy;
                    var channel = input.Bgr ? 2 - c : c;
                    tensor[channel * plane + y * input.Width + x] = (value - input.Mean) * input.Scale;
                }
            }
        }
    }

    /// <summary>Cuts out a rectangle (clipped to the image) and scales it so its longest side is at most <paramref name="maxSide"/>.</summary>
    public static RgbImage CropAndShrink(RgbImage image, double left, double top, double width, double height, int maxSide)
    {
        var x0 = Math.Clamp((int)Math.Floor(left), 0, image.Width - 1);
        var y0 = Math.Clamp((int)Math.Floor(top), 0, image.Height - 1);
        var x1 = Math.Clamp((int)Math.Ceiling(left + width), x0 + 1, image.Width);
        var y1 = Math.Clamp((int)Math.Ceiling(top + height), y0 + 1, image.Height);
        int w = x1 - x0, h = y1 - y0;
        var scale = Math.Min(1.0, (double)maxSide / Math.Max(w, h));
        int outW = Math.Max(1, (int)Math.Round(w * scale)), outH = Math.Max(1, (int)Math.Round(h * scale));
        var output = new RgbImage(outW, outH);
        var src = image.Pixels;
        var dst = output.Pixels;
        // Area average: each output pixel is the mean of the input pixels it covers.
        for (var oy = 0; oy < outH; oy++)
        {
            int sy0 = y0 + oy * h / outH, sy1 = Math.Max(sy0 + 1, y0 + (oy + 1) * h / outH);
            for (var ox = 0; ox < outW; ox++)
            {
                int sx0 = x0 + ox * w / outW, sx1 = Math.Max(sx0 + 1, x0 + (ox + 1) * w / outW);
                int r = 0, g = 0, b = 0, n = (sy1 - sy0) * (sx1 - sx0);
                for (var sy = sy0; sy < sy1; sy++)
                {
                    var row = sy * image.Stride;
                    for (var sx = sx0; sx < sx1; sx++)
                    {
                        r += src[row + sx * 3];
                        g += src[row + sx * 3 + 1];
                        b += src[row + sx * 3 + 2];
                    }
                }
                var o = (oy * outW + ox) * 3;
                dst[o] = (byte)((r + n / 2) / n);
                dst[o + 1] = (byte)((g + n / 2) / n);
                dst[o + 2] = (byte)((b + n / 2) / n);
            }
        }
        return output;
    }

    private static (int Low, int High, float Fraction) Axis(double position, int size)
    {
        var low = (int)Math.Floor(position);
        var fraction = (float)(position - low);
        if (low < 0)
        {
            return (0, 0, 0);
        }
        if (low >= size - 1)
        {
            return (size - 1, size - 1, 0);
        }
        return (low, low + 1, fraction);
    }

    private static float Sample(Span<byte> pixels, RgbImage image, int x, int y, int c) =>
        x < 0 || y < 0 || x >= image.Width || y >= image.Height ? 0f : pixels[(y * image.Width + x) * 3 + c];
}
