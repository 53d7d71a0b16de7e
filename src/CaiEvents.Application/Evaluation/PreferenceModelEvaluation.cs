using CaiEvents.Domain.Evaluation;
using CaiEvents.Models;
using CaiEvents.Models.Preference;

namespace CaiEvents.Application.Evaluation;

/// <summary>
/// <c>cai eval pm</c>: a preference model's agreement with human comparisons. A PM scores each response on its own, so there is no option
/// order and no position bias to measure: a comparison is right when r(prompt, chosen) &gt; r(prompt, rejected) (a tie is wrong).
/// </summary>
public static class PreferenceModelEvaluation
{
    public static async Task<PreferenceModelEvaluationResult> EvaluateAsync(string checkpoint, string file, ModelOptions options, CancellationToken ct)
    {
        if (!Directory.Exists(checkpoint)) throw new UsageException($"--checkpoint: {checkpoint}: directory not found");
        var set = HumanComparisonFile.LoadFile(file);
        RewardScorer scorer;
        try
        {
            scorer = RewardScorer.Load(checkpoint, options);
        }
        catch (CheckpointFormatException e)
        {
            throw new UsageException($"--checkpoint: {e.Message}");
        }
        using (scorer)
        {
            var comparisons = set.Comparisons;
            var scores = await scorer.ScoreAsync(comparisons.SelectMany(c => new[] { (c.Prompt, c.Chosen), (c.Prompt, c.Rejected) }).ToList(), ct);
            var margins = comparisons.Select((_, i) => scores[2 * i] - scores[2 * i + 1]).ToList();
            var correct = margins.Count(m => m > 0);
            return new PreferenceModelEvaluationResult(Path.GetFullPath(checkpoint), scorer.Identity.CheckpointHash, file, comparisons.Count,
                set.Skipped.Count, correct, correct / (double)comparisons.Count, WilsonInterval.Compute(correct, comparisons.Count), margins.Average());
        }
    }
}
