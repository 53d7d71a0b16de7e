using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Labeller;
using static TorchSharp.torch;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// Labeller throughput (<c>cai bench labels</c>): labels the same soft-label pairs (K = 2 principles, both orders) three ways:
/// the per-pair path (one forward pass per question), <see cref="PreferenceLabeler.LabelManyAsync"/> with one pair per call,
/// and with <see cref="LabelBatchingSettings.BatchSize"/> pairs per call. Each way is timed after a warm-up call.
/// </summary>
public static class LabelBatchingBenchmark
{
    public static async Task<LabelBatchingResult> RunAsync(ITextModel model, LabelBatchingSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Pairs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.BatchSize);
        var constitution = ConstitutionLoader.LoadDefault();
        var items = DemoCorpusGenerator.Generate(settings.Corpus, DemoModelRecipe.Default.Corpus).HeldOutComparisons;
        var pairs = Enumerable.Range(0, settings.Pairs).Select(i =>
        {
            var item = items[i % items.Count];
            var chosen = PrincipleSampler.ChooseDistinct(constitution.Comparison, LabelBatchingSettings.PrinciplesPerLabel, 42,
                DeterministicIds.Create(Guid.Empty, $"bench:{i}"), "comparison");
            return new PreferencePair(item.Prompt, item.OptionA, item.OptionB, chosen);
        }).ToList();

        async Task<(double Seconds, List<PreferenceLabel> Labels)> Time(int batch, bool perQuestion)
        {
            async Task<IReadOnlyList<PreferenceLabel>> Label(IReadOnlyList<PreferencePair> chunk) => perQuestion
                ? [await PreferenceLabeler.LabelAsync(model, chunk[0].Prompt, chunk[0].ResponseA, chunk[0].ResponseB, chunk[0].Principles,
                    LabelMode.Soft, LabelClampBand.Low, LabelClampBand.High, null, ct)]
                : await PreferenceLabeler.LabelManyAsync(model, chunk, LabelMode.Soft, LabelClampBand.Low, LabelClampBand.High, ct);
            await Label(pairs.Take(batch).ToList()); // warm-up
            var labels = new List<PreferenceLabel>(pairs.Count);
            var watch = Stopwatch.StartNew();
            foreach (var chunk in pairs.Chunk(batch)) labels.AddRange(await Label(chunk));
            return (watch.Elapsed.TotalSeconds, labels);
        }

        var perQuestion = await Time(1, perQuestion: true);
        var one = await Time(1, perQuestion: false);
        var many = await Time(settings.BatchSize, perQuestion: false);
        var maxDifference = perQuestion.Labels.Zip(many.Labels, (a, b) => Math.Abs(a.ProbabilityA - b.ProbabilityA))
            .Concat(one.Labels.Zip(many.Labels, (a, b) => Math.Abs(a.ProbabilityA - b.ProbabilityA))).Max();
        return new LabelBatchingResult(settings, model.Identity.ModelId, perQuestion.Seconds, one.Seconds, many.Seconds, maxDifference,
            get_num_threads());
    }
}
