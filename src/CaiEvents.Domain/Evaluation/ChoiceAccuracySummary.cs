namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// Accuracy over items (an item is right when its mean probability of the correct option over the orders asked is above ½),
/// its 95 % Wilson interval, and the position bias: the share of right answers among judgements whose correct option
/// was shown as (A), and among those where it was (B). Null accuracies: no judgement of that kind.
/// </summary>
public sealed record ChoiceAccuracySummary(int Items, int Correct, double Accuracy, ProportionInterval? Interval,
    int JudgementsCorrectAtA, double? AccuracyCorrectAtA, int JudgementsCorrectAtB, double? AccuracyCorrectAtB, double MeanProbabilityCorrect)
{
    /// <summary>Accuracy with the correct option as (A) minus accuracy with it as (B); null unless both were asked.</summary>
    public double? PositionBias => AccuracyCorrectAtA is { } a && AccuracyCorrectAtB is { } b ? a - b : null;
}
