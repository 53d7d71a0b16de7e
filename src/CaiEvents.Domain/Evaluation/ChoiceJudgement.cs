namespace CaiEvents.Domain.Evaluation;

/// <summary>
/// The model's answer to one item in one option order: the probability it gave the correct option(s), normalised over the
/// item's options, and where the correct option stood ('A', 'B', or null when the options are not (A)/(B)).
/// </summary>
public sealed record ChoiceJudgement(int ItemIndex, char? CorrectPosition, double ProbabilityCorrect);
