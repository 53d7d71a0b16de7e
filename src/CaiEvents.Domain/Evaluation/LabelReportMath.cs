namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// The maths of the label report, as pure functions of recorded judgements and labels, so a command and a dashboard draw
/// the same numbers. P is always P(response A) as recorded (a "BA" judgement's P(A) is already 1 − P(first option)).
/// </summary>
public static class LabelReportMath
{
    /// <summary>Default half-width of the band around ½ whose labels count as undecided.</summary>
    public const double DefaultNearHalfMargin = 0.05;

    /// <summary>
    /// Position bias of one (pair, principle) judged in both orders: |P_AB − (1 − P_BA)| with P_XY the probability of the option
    /// shown first. In P(A) terms that is |P(A) from "AB" − P(A) from "BA"|: 0 for a model that ignores where an answer stands,
    /// 1 for one that always picks the same position with certainty.
    /// </summary>
    public static double PositionBias(double probabilityFirstInAb, double probabilityFirstInBa) =>
        Math.Abs(probabilityFirstInAb - (1 - probabilityFirstInBa));

    /// <summary>Every (pair, principle) with both orders and its position bias, in pair then principle order.</summary>
    public static IReadOnlyList<(Guid PairId, string PrincipleId, double Bias)> PositionBiases(IReadOnlyList<LabelledJudgement> judgements) =>
        judgements.GroupBy(j => (j.PairId, j.PrincipleId))
            .Select(g => (g.Key, Ab: g.FirstOrDefault(j => j.Order == "AB"), Ba: g.FirstOrDefault(j => j.Order == "BA")))
            .Where(x => x.Ab is not null && x.Ba is not null)
            // P(A) of "BA" is 1 − P(first) there, so P(first in BA) = 1 − P(A).
            .Select(x => (x.Key.PairId, x.Key.PrincipleId, PositionBias(x.Ab!.ProbabilityA, 1 - x.Ba!.ProbabilityA)))
            .ToList();

    /// <summary>Per principle: P(A) per pair (mean of its orders), its mean, spread and mean confidence, and the mean position bias.</summary>
    public static IReadOnlyList<PrincipleLabelStatistics> PerPrinciple(IReadOnlyList<LabelledJudgement> judgements)
    {
        var biases = PositionBiases(judgements).ToLookup(b => b.PrincipleId, StringComparer.Ordinal);
        return PairProbabilities(judgements).GroupBy(p => p.PrincipleId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var values = g.Select(p => p.ProbabilityA).ToList();
                var mean = values.Average();
                var spread = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
                var bias = biases[g.Key].Select(b => b.Bias).ToList();
                return new PrincipleLabelStatistics(g.Key, values.Count, mean, spread, values.Average(v => Math.Max(v, 1 - v)), bias.Count,
                    bias.Count == 0 ? null : bias.Average());
            }).ToList();
    }

    /// <summary>For every two principles (ordinal order) that judged a common pair: the share of those pairs where they pick the same side.</summary>
    public static IReadOnlyList<PrincipleAgreement> Agreements(IReadOnlyList<LabelledJudgement> judgements)
    {
        var byPair = PairProbabilities(judgements).GroupBy(p => p.PairId).ToList();
        var counts = new SortedDictionary<(string, string), (int Pairs, int Agree)>(Comparer<(string, string)>.Create((x, y) =>
            string.CompareOrdinal(x.Item1, y.Item1) is var c and not 0 ? c : string.CompareOrdinal(x.Item2, y.Item2)));
        foreach (var pair in byPair)
        {
            var principles = pair.OrderBy(p => p.PrincipleId, StringComparer.Ordinal).ToList();
            for (var i = 0; i < principles.Count; i++)
                for (var j = i + 1; j < principles.Count; j++)
                {
                    var key = (principles[i].PrincipleId, principles[j].PrincipleId);
                    var (pi, pj) = (principles[i].ProbabilityA, principles[j].ProbabilityA);
                    var current = counts.GetValueOrDefault(key);
                    counts[key] = pi == 0.5 || pj == 0.5 ? current : (current.Pairs + 1, current.Agree + ((pi > 0.5) == (pj > 0.5) ? 1 : 0));
                }
        }
        return counts.Select(c => new PrincipleAgreement(c.Key.Item1, c.Key.Item2, c.Value.Pairs,
            c.Value.Pairs == 0 ? null : c.Value.Agree / (double)c.Value.Pairs)).ToList();
    }

    /// <summary>Share of labels with |P − ½| ≤ margin; null without labels.</summary>
    public static double? ShareNearHalf(IReadOnlyList<double> labels, double margin = DefaultNearHalfMargin)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        return labels.Count == 0 ? null : labels.Count(p => Math.Abs(p - 0.5) <= margin) / (double)labels.Count;
    }

    /// <summary>
    /// Agreement of AI labels with human choices on the same comparisons: the share where the label's side (P(A) above or below ½)
    /// is the response the human chose. Labels of exactly ½ take no side and are left out. Null: nothing to compare.
    /// </summary>
    public static (int Count, double? Agreement) HumanAgreement(IReadOnlyList<(double ProbabilityA, bool HumanChoseA)> comparisons)
    {
        var decided = comparisons.Where(c => c.ProbabilityA != 0.5).ToList();
        return (decided.Count, decided.Count == 0 ? null : decided.Count(c => (c.ProbabilityA > 0.5) == c.HumanChoseA) / (double)decided.Count);
    }

    /// <summary>The whole report.</summary>
    public static LabelReportNumbers Build(IReadOnlyList<LabelledJudgement> judgements, IReadOnlyList<double> labels,
        IReadOnlyList<(double ProbabilityA, bool HumanChoseA)> human, double nearHalfMargin = DefaultNearHalfMargin)
    {
        var biases = PositionBiases(judgements).Select(b => b.Bias).ToList();
        var (humanCount, humanAgreement) = HumanAgreement(human);
        return new LabelReportNumbers(labels.Count, PerPrinciple(judgements), Agreements(judgements), biases.Count,
            biases.Count == 0 ? null : biases.Average(), biases.Count == 0 ? null : biases.Max(), nearHalfMargin, ShareNearHalf(labels, nearHalfMargin),
            humanCount, humanAgreement);
    }

    private static IEnumerable<(Guid PairId, string PrincipleId, double ProbabilityA)> PairProbabilities(IReadOnlyList<LabelledJudgement> judgements) =>
        judgements.GroupBy(j => (j.PairId, j.PrincipleId)).Select(g => (g.Key.PairId, g.Key.PrincipleId, g.Average(j => j.ProbabilityA)));
}
