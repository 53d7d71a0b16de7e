using CaiEvents.Domain.Evaluation;

namespace CaiEvents.Application.Evaluation;

/// <summary>
/// What <c>cai eval pm</c> measured: the checkpoint and its hash, the comparisons scored and the lines skipped as unusable, how many the PM
/// ranked the human way (r(chosen) &gt; r(rejected)), the 95 % interval, and the mean margin r(chosen) − r(rejected).
/// </summary>
public sealed record PreferenceModelEvaluationResult(string Checkpoint, string Sha256, string File, int Comparisons, int Skipped, int Correct,
    double Accuracy, ProportionInterval? Interval, double MeanMargin);
