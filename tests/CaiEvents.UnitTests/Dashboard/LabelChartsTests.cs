using CaiEvents.Dashboard.Labels;

namespace CaiEvents.UnitTests.Dashboard;

public class LabelChartsTests
{
    private static LabelRow Label(int n, double p, params LabelJudgementRow[] judgements) =>
        new(new Guid(n, 0, 0, new byte[8]), Guid.NewGuid(), Guid.NewGuid(), p, judgements);

    [Fact]
    public void The_histogram_has_ten_bins_of_a_tenth_closed_on_the_left_with_one_counted_in_the_last()
    {
        // By hand: 0 and 0.05 in [0, 0.1); 0.1 in [0.1, 0.2); 0.5 in [0.5, 0.6); 0.99 and 1 in [0.9, 1].
        var chart = LabelCharts.Histogram([0, 0.05, 0.1, 0.5, 0.99, 1.0]);
        var points = chart.Series.Single().Points;
        Assert.Equal([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], points.Select(p => p.X));
        Assert.Equal([2.0, 1, 0, 0, 0, 1, 0, 0, 0, 2], points.Select(p => p.Y!.Value));
        Assert.Equal(("bars", 0.1), (chart.Kind, chart.BinWidth));
    }

    [Fact]
    public void A_position_bias_point_is_p_first_in_ab_against_one_minus_p_first_in_ba_for_principles_judged_in_both_orders()
    {
        var labels = new[]
        {
            Label(1, 0.55, new("fair", "AB", 0.8, 0.8), new("fair", "BA", 0.7, 0.3), new("kind", "AB", 0.6, 0.6)),
            Label(2, 0.45, new("kind", "BA", 0.25, 0.75), new("kind", "AB", 0.5, 0.5)),
        };
        var points = LabelCharts.PositionBias(labels);
        // (P_AB, 1 − P_BA): (0.8, 1 − 0.3) and (0.5, 1 − 0.75); "kind" of label 1 has no BA question.
        Assert.Equal([(labels[0].LabelId, "fair", 0.8, 0.7), (labels[1].LabelId, "kind", 0.5, 0.25)],
            points.Select(p => (p.LabelId, p.PrincipleId, p.FirstInAb, p.OneMinusFirstInBa)));
        var chart = LabelCharts.PositionBiasChart(points);
        Assert.Equal("scatter", chart.Kind);
        Assert.Equal([(0.8, (double?)0.7), (0.5, 0.25)], chart.Series.Single().Points.Select(p => (p.X, p.Y)));
    }

    [Fact]
    public void The_labels_nearest_a_half_come_first()
    {
        var labels = new[] { Label(1, 0.9), Label(2, 0.52), Label(3, 0.1), Label(4, 0.47), Label(5, 0.5) };
        Assert.Equal([5, 2, 4], LabelCharts.NearestHalf(labels, 3).Select(l => l.LabelId.ToByteArray()[0]));
    }
}
