using CaiEvents.Dashboard.Charts;

namespace CaiEvents.Dashboard.Labels;

/// <summary>The label page's charts as pure functions of a run's stored labels.</summary>
public static class LabelCharts
{
    public const int HistogramBins = 10;
    public const int NearestHalfListed = 10;

    /// <summary>
    /// Counts of P(A preferred) in <see cref="HistogramBins"/> equal bins over [0, 1]: [k/n, (k+1)/n), the last bin closed so
    /// that P = 1 is counted. Point X is the bin's lower edge, Y its count.
    /// </summary>
    public static Chart Histogram(IReadOnlyList<double> probabilities)
    {
        var counts = new int[HistogramBins];
        foreach (var p in probabilities) counts[Math.Clamp((int)Math.Floor(p * HistogramBins), 0, HistogramBins - 1)]++;
        var width = 1.0 / HistogramBins;
        return new Chart("label-histogram", "P(A preferred) of the run's labels", "P(A preferred)", "labels", "bars",
            [new ChartSeries("labels", counts.Select((n, k) => new ChartPoint(k / (double)HistogramBins, n)).ToList())],
            $"{probabilities.Count} labels in {HistogramBins} bins", width);
    }

    /// <summary>Every (label, principle) with an "AB" and a "BA" question, in label then principle order.</summary>
    public static IReadOnlyList<PositionBiasPoint> PositionBias(IReadOnlyList<LabelRow> labels) =>
        labels.SelectMany(l => l.Judgements.GroupBy(j => j.PrincipleId, StringComparer.Ordinal)
                .Select(g => (g.Key, Ab: g.FirstOrDefault(j => j.Order == "AB"), Ba: g.FirstOrDefault(j => j.Order == "BA")))
                .Where(x => x.Ab is not null && x.Ba is not null)
                .Select(x => new PositionBiasPoint(l.LabelId, x.Key, x.Ab!.ProbabilityFirstOption, 1 - x.Ba!.ProbabilityFirstOption)))
            .ToList();

    public static Chart PositionBiasChart(IReadOnlyList<PositionBiasPoint> points) =>
        new("position-bias", "Position bias: P in AB order against 1 − P in BA order", "P_AB (first option, A first)",
            "1 − P_BA (B first)", "scatter",
            [new ChartSeries("label × principle", points.Select(p => new ChartPoint(p.FirstInAb, p.OneMinusFirstInBa)).ToList())],
            "a judge that ignores positions lies on the diagonal");

    /// <summary>The labels closest to ½ (the judge's least decided), nearest first; ties by label id.</summary>
    public static IReadOnlyList<LabelRow> NearestHalf(IReadOnlyList<LabelRow> labels, int count = NearestHalfListed) =>
        labels.OrderBy(l => Math.Abs(l.ProbabilityA - 0.5)).ThenBy(l => l.LabelId).Take(count).ToList();
}
