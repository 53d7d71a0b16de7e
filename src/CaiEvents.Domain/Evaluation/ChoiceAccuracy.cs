namespace CaiEvents.Domain.Evaluation;

/// <summary>Turns per-order judgements into item accuracy, its interval and the position bias. A pure function.</summary>
public static class ChoiceAccuracy
{
    /// <summary>
    /// Probability of the correct option from the log-probabilities of every option's continuation:
    /// Σ exp(correct) / Σ exp(all), computed from the largest log-probability so it does not underflow.
    /// </summary>
    public static double ProbabilityCorrect(IReadOnlyList<double> correctLogProbs, IReadOnlyList<double> incorrectLogProbs)
    {
        if (correctLogProbs.Count == 0 || incorrectLogProbs.Count == 0) throw new ArgumentException("both kinds of option are needed");
        var max = correctLogProbs.Concat(incorrectLogProbs).Max();
        var correct = correctLogProbs.Sum(l => Math.Exp(l - max));
        var incorrect = incorrectLogProbs.Sum(l => Math.Exp(l - max));
        return correct / (correct + incorrect);
    }

    public static ChoiceAccuracySummary Summarise(int items, IReadOnlyList<ChoiceJudgement> judgements)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        var byItem = judgements.GroupBy(j => j.ItemIndex).ToDictionary(g => g.Key, g => g.Average(j => j.ProbabilityCorrect));
        if (byItem.Count != items) throw new ArgumentException($"{byItem.Count} items judged, {items} expected", nameof(judgements));
        var correct = byItem.Values.Count(p => p > 0.5);
        var atA = judgements.Where(j => j.CorrectPosition == 'A').ToList();
        var atB = judgements.Where(j => j.CorrectPosition == 'B').ToList();
        static double? Share(List<ChoiceJudgement> js) => js.Count == 0 ? null : js.Count(j => j.ProbabilityCorrect > 0.5) / (double)js.Count;
        return new ChoiceAccuracySummary(items, correct, items == 0 ? double.NaN : correct / (double)items, WilsonInterval.Compute(correct, items),
            atA.Count, Share(atA), atB.Count, Share(atB), byItem.Count == 0 ? double.NaN : byItem.Values.Average());
    }
}
