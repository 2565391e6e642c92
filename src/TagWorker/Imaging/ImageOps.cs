namespace TagWorker.Imaging;

/// <summary>
/// Pixel work on <see cref="RgbImage"/> that feeds the models, in plain C#: bilinear sampling with
/// OpenCV's conventions (INTER_LINEAR pixel centres, warpAffine's inverse mapping, border 0) so the
/// results match the reference pipeline the models were checked with. No package offers OpenCV's
/// exact sampling without OpenCV itself.
/// </summary>
public static class ImageOps
{
    /// <summary>
    /// The image scaled to fit <paramref name="width"/> x <paramref name="height"/> keeping its aspect
    /// ratio (the letterbox's picture, without the padding), with OpenCV's INTER_LINEAR for 8-bit
    /// pixels: fixed-point weights of 11 bits, rounded back to bytes. Both detectors read this one copy.
    /// </summary>
    public static ScaledImage Letterbox(RgbImage image, int width, int height)
    {
        var ratio = Math.Min((double)width / image.Width, (double)height / image.Height);
        var w = Math.Max(1, (int)Math.Round(image.Width * ratio));
        var h = Math.Max(1, (int)Math.Round(image.Height * ratio));
        var output = new RgbImage(w, h);
        try
        {
            ResizeLinear(image, output);
            return new ScaledImage(output, ratio, image.Width, image.Height);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="scaled"/> into a model input (NCHW, one image), padded as the model
    /// wants.</summary>
    public static Letterbox ToTensor(ScaledImage scaled, TensorInput input, Span<float> tensor)
    {
        var image = scaled.Image;
        var padX = input.CentrePad ? (input.Width - image.Width) / 2 : 0;
        var padY = input.CentrePad ? (input.Height - image.Height) / 2 : 0;
        var plane = input.Width * input.Height;
        tensor[..(plane * 3)].Fill((input.Pad - input.Mean) * input.Scale);
        // A lookup of the 256 possible values: (v - mean) * scale for every byte.
        Span<float> values = stackalloc float[256];
        for (var v = 0; v < 256; v++)
        {
            values[v] = (v - input.Mean) * input.Scale;
        }
        var pixels = image.Pixels;
        int first = input.Bgr ? 2 * plane : 0,
            third = input.Bgr ? 0 : 2 * plane;
        for (var y = 0; y < image.Height; y++)
        {
            var row = pixels.Slice(y * image.Stride, image.Stride);
            var offset = (y + padY) * input.Width + padX;
            var r = tensor.Slice(first + offset, image.Width);
            var g = tensor.Slice(plane + offset, image.Width);
            var b = tensor.Slice(third + offset, image.Width);
            for (int x = 0, i = 0; x < r.Length; x++, i += 3)
            {
                r[x] = values[row[i]];
                g[x] = values[row[i + 1]];
                b[x] = values[row[i + 2]];
            }
        }
        return new Letterbox(scaled.Ratio, padX, padY);
    }

    private static void ResizeLinear(RgbImage source, RgbImage output)
    {
        const int bits = 11,
            one = 1 << bits;
        int w = output.Width,
            h = output.Height;
        double scaleX = (double)source.Width / w,
            scaleY = (double)source.Height / h;
        var xs = new int[w];
        var xw = new int[w];
        for (var x = 0; x < w; x++)
        {
            var (x0, _, fx) = Axis((x + 0.5) * scaleX - 0.5, source.Width);
            xs[x] = x0 * 3;
            xw[x] = (int)Math.Round(fx * one);
        }
        var last = (source.Width - 1) * 3;
        var rows = new int[2][];
        rows[0] = new int[w * 3];
        rows[1] = new int[w * 3];
        int[] rowOf = [-1, -1];
        var src = source.Pixels;
        var dst = output.Pixels;
        for (var y = 0; y < h; y++)
        {
            var (y0, y1, fy) = Axis((y + 0.5) * scaleY - 0.5, source.Height);
            var top = Horizontal(src, y0);
            var bottom = Horizontal(src, y1);
            var wy = (int)Math.Round(fy * one);
            var outRow = dst.Slice(y * output.Stride, output.Stride);
            for (var i = 0; i < outRow.Length; i++)
            {
                outRow[i] = (byte)((top[i] * (one - wy) + bottom[i] * wy + (1 << (2 * bits - 1))) >> (2 * bits));
            }
        }

        // One source row scaled horizontally (values times 2^11). Rows go to the slot of their parity, so
        // the two rows an output row reads never share a slot, and each is computed once.
        int[] Horizontal(ReadOnlySpan<byte> src, int sy)
        {
            var slot = sy & 1;
            if (rowOf[slot] == sy)
            {
                return rows[slot];
            }
            var row = src.Slice(sy * source.Stride, source.Stride);
            var target = rows[slot];
            for (var x = 0; x < w; x++)
            {
                int a = xs[x],
                    b = Math.Min(a + 3, last),
                    fx = xw[x];
                for (var c = 0; c < 3; c++)
                {
                    target[x * 3 + c] = row[a + c] * (one - fx) + row[b + c] * fx;
                }
            }
            rowOf[slot] = sy;
            return target;
        }
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

    /// <summary>Cuts out a rectangle (clipped to the image) and scales it so its longest side is at most <paramref
    /// name="maxSide"/>.</summary>
    public static RgbImage CropAndShrink(
        RgbImage image,
        double left,
        double top,
        double width,
        double height,
        int maxSide
    )
    {
        var x0 = Math.Clamp((int)Math.Floor(left), 0, image.Width - 1);
        var y0 = Math.Clamp((int)Math.Floor(top), 0, image.Height - 1);
        var x1 = Math.Clamp((int)Math.Ceiling(left + width), x0 + 1, image.Width);
        var y1 = Math.Clamp((int)Math.Ceiling(top + height), y0 + 1, image.Height);
        int w = x1 - x0,
            h = y1 - y0;
        var scale = Math.Min(1.0, (double)maxSide / Math.Max(w, h));
        int outW = Math.Max(1, (int)Math.Round(w * scale)),
            outH = Math.Max(1, (int)Math.Round(h * scale));
        var output = new RgbImage(outW, outH);
        var src = image.Pixels;
        var dst = output.Pixels;
        // Area average: each output pixel is the mean of the input pixels it covers.
        for (var oy = 0; oy < outH; oy++)
        {
            int sy0 = y0 + oy * h / outH,
                sy1 = Math.Max(sy0 + 1, y0 + (oy + 1) * h / outH);
            for (var ox = 0; ox < outW; ox++)
            {
                int sx0 = x0 + ox * w / outW,
                    sx1 = Math.Max(sx0 + 1, x0 + (ox + 1) * w / outW);
                int r = 0,
                    g = 0,
                    b = 0,
                    n = (sy1 - sy0) * (sx1 - sx0);
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
