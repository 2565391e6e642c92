namespace TagWorker.Inference;

/// <summary>
/// The similarity transform (rotation, uniform scale, translation) that maps 5 detected landmarks
/// onto the embedder's template, by least squares (Umeyama without reflection).
/// Returns the 2x3 matrix [a, -b, tx, b, a, ty] from image to template coordinates.
/// </summary>
public static class FaceAligner
{
    public static double[] Estimate(IReadOnlyList<(float X, float Y)> from, IReadOnlyList<(double X, double Y)> to)
    {
        var n = Math.Min(from.Count, to.Count);
        double fx = 0,
            fy = 0,
            tx = 0,
            ty = 0;
        for (var i = 0; i < n; i++)
        {
            fx += from[i].X;
            fy += from[i].Y;
            tx += to[i].X;
            ty += to[i].Y;
        }
        fx /= n;
        fy /= n;
        tx /= n;
        ty /= n;
        double dot = 0,
            cross = 0,
            norm = 0;
        for (var i = 0; i < n; i++)
        {
            double px = from[i].X - fx,
                py = from[i].Y - fy,
                qx = to[i].X - tx,
                qy = to[i].Y - ty;
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        if (norm < 1e-9)
        {
            throw new ArgumentException("landmarks coincide", nameof(from));
        }
        double a = dot / norm,
            b = cross / norm;
        return [a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy)];
    }
}
