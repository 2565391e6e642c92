namespace TagWorker.Faces;

/// <summary>
/// How a grouping compares with the truth. BCubed averages, per item, the share of its group that
/// is truly its person (precision) and the share of its person found in its group (recall);
/// pairwise counts pairs. An unassigned item counts as a group of its own.
/// </summary>
public sealed record ClusteringMetrics(
    int Items,
    int Clusters,
    double Unassigned,
    double BCubedPrecision,
    double BCubedRecall,
    double BCubedF1,
    double PairwisePrecision,
    double PairwiseRecall,
    double PairwiseF1
)
{
    public static ClusteringMetrics Compute(IReadOnlyList<string> truth, IReadOnlyList<int> predicted)
    {
        var n = truth.Count;
        var groups = Enumerable.Range(0, n).Select(i => predicted[i] >= 0 ? $"g{predicted[i]}" : $"u{i}").ToArray();
        double precision = 0,
            recall = 0;
        long tp = 0,
            fp = 0,
            fn = 0;
        for (var i = 0; i < n; i++)
        {
            int sameGroup = 0,
                sameBoth = 0,
                sameTruth = 0;
            for (var j = 0; j < n; j++)
            {
                var g = groups[i] == groups[j];
                var t = truth[i] == truth[j];
                sameGroup += g ? 1 : 0;
                sameTruth += t ? 1 : 0;
                sameBoth += g && t ? 1 : 0;
                if (j > i)
                {
                    tp += g && t ? 1 : 0;
                    fp += g && !t ? 1 : 0;
                    fn += !g && t ? 1 : 0;
                }
            }
            precision += (double)sameBoth / sameGroup;
            recall += (double)sameBoth / sameTruth;
        }
        precision /= Math.Max(1, n);
        recall /= Math.Max(1, n);
        double pp = tp + fp == 0 ? 1 : (double)tp / (tp + fp),
            pr = tp + fn == 0 ? 1 : (double)tp / (tp + fn);
        return new ClusteringMetrics(
            n,
            predicted.Where(p => p >= 0).Distinct().Count(),
            Round(predicted.Count(p => p < 0) / (double)Math.Max(1, n)),
            Round(precision),
            Round(recall),
            Round(F1(precision, recall)),
            Round(pp),
            Round(pr),
            Round(F1(pp, pr))
        );
    }

    private static double F1(double p, double r) => p + r == 0 ? 0 : 2 * p * r / (p + r);

    private static double Round(double value) => Math.Round(value, 4);
}
