using System.Diagnostics;
using CaiEvents.Contracts;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Generator;
using static TorchSharp.torch;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// Generator throughput (<c>cai bench pairs</c>): generates the same response pairs (the Generator's pair step: two sampled
/// responses per prompt, seeds derived per response) three ways: the per-pair path
/// (<see cref="ResponsePairGeneration.GenerateAsync"/>, one model call per response), <see cref="ResponsePairGeneration.GenerateManyAsync"/>
/// with one pair per call, and with <see cref="PairBatchingSettings.BatchSize"/> pairs per call. Each way is timed after a
/// warm-up call; the texts must agree.
/// </summary>
public static class PairBatchingBenchmark
{
    public static async Task<PairBatchingResult> RunAsync(ITextModel model, PairBatchingSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Pairs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.NewTokens);
        var sampling = new SamplingParameters(Temperature: 1.0, MaxNewTokens: settings.NewTokens);
        var items = DemoCorpusGenerator.Generate(settings.Corpus, DemoModelRecipe.Default.Corpus).HeldOutComparisons;
        var pairs = Enumerable.Range(0, settings.Pairs).Select(i => DeterministicIds.Create(Guid.Empty, $"bench-pair:{i}"))
            .Select((id, i) => new PairInput(42, id, id, PromptFormat.RenderResponsePrompt(items[i % items.Count].Prompt))).ToList();

        async Task<(double Seconds, List<GeneratedPair> Pairs)> Time(int batch, bool perResponse)
        {
            async Task<IReadOnlyList<GeneratedPair>> Generate(IReadOnlyList<PairInput> chunk) => perResponse
                ? [await ResponsePairGeneration.GenerateAsync(model, chunk[0], sampling, ct)]
                : await ResponsePairGeneration.GenerateManyAsync(model, chunk, sampling, ct);
            await Generate(pairs.Take(batch).ToList()); // warm-up
            var generated = new List<GeneratedPair>(pairs.Count);
            var watch = Stopwatch.StartNew();
            foreach (var chunk in pairs.Chunk(batch)) generated.AddRange(await Generate(chunk));
            return (watch.Elapsed.TotalSeconds, generated);
        }

        var perResponse = await Time(1, perResponse: true);
        var one = await Time(1, perResponse: false);
        var many = await Time(settings.BatchSize, perResponse: false);
        var differing = perResponse.Pairs.Zip(many.Pairs, (a, b) => a == b).Concat(one.Pairs.Zip(many.Pairs, (a, b) => a == b)).Count(same => !same);
        return new PairBatchingResult(settings, model.Identity.ModelId, perResponse.Seconds, one.Seconds, many.Seconds, differing, get_num_threads());
    }
}
