using System.Diagnostics;
using CaiEvents.Contracts;

namespace CaiEvents.Models;

/// <summary>Outcome of one <see cref="GenerationBenchmark"/> run.</summary>
public sealed record GenerationBenchmarkResult(
    string ModelId,
    long Parameters,
    int BatchSize,
    int PromptTokens,
    int NewTokens,
    bool UseKvCache,
    IReadOnlyList<TimeSpan> Runs)
{
    /// <summary>The median run: robust to a run disturbed by other work on the machine.</summary>
    public TimeSpan Elapsed => Runs.Order().ElementAt(Runs.Count / 2);

    /// <summary>Generated tokens per second of the median run, all rows together.</summary>
    public double TokensPerSecond => BatchSize * NewTokens / Elapsed.TotalSeconds;
}

/// <summary>
/// Measures generation throughput (for <c>cai bench generate</c>): exactly <c>newTokens</c> sampled
/// tokens per row (end-of-text does not stop a row), timed <c>repeats</c> times after one short warm-up call.
/// </summary>
public static class GenerationBenchmark
{
    public static async Task<GenerationBenchmarkResult> RunAsync(
        LocalTextModel model, int newTokens = 256, bool useKvCache = true, int batchSize = 1, int promptTokens = 16,
        int repeats = 3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeats);
        if (promptTokens + newTokens > model.Network.ContextLength)
        {
            throw new ArgumentException($"{promptTokens} prompt + {newTokens} new tokens exceed the context length {model.Network.ContextLength}.");
        }
        var prompt = Prompt(promptTokens, model.Tokenizer.VocabCount);
        var sampling = new SamplingParameters(Temperature: 1.0, TopP: 1.0, TopK: 0, MaxNewTokens: newTokens);
        var requests = Enumerable.Range(0, batchSize).Select(b => (prompt, new GenerationRequest("", sampling, b))).ToList();

        var warmUp = requests.Select(r => (r.prompt, r.Item2 with { Sampling = sampling with { MaxNewTokens = 2 } })).ToList();
        await model.GenerateFromIdsAsync(warmUp, useKvCache, stopAtEndOfText: false, cancellationToken).ConfigureAwait(false);

        var runs = new List<TimeSpan>();
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            var results = await model.GenerateFromIdsAsync(requests, useKvCache, stopAtEndOfText: false, cancellationToken).ConfigureAwait(false);
            runs.Add(clock.Elapsed);
            Debug.Assert(results.All(r => r.TokenIds.Count == newTokens));
        }
        var parameters = model.Network.parameters().Sum(p => p.numel());
        return new GenerationBenchmarkResult(model.Identity.ModelId, parameters, batchSize, promptTokens, newTokens, useKvCache, runs);
    }

    /// <summary>
    /// The fixed benchmark prompt: <paramref name="promptTokens"/> ordinary token ids (i·7 mod <paramref name="vocabCount"/>),
    /// so a run needs no text and is the same every time and on every implementation.
    /// </summary>
    public static int[] Prompt(int promptTokens, int vocabCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabCount);
        return Enumerable.Range(0, promptTokens).Select(i => i * 7 % vocabCount).ToArray();
    }

    /// <summary>
    /// Greedy continuations of exactly <paramref name="newTokens"/> tokens for each prompt, the prompts as one batch
    /// (end-of-text does not stop a row); the ids are used as given. For side-by-side benchmarks that time it themselves.
    /// </summary>
    public static async Task<IReadOnlyList<int[]>> GreedyAsync(
        LocalTextModel model, IReadOnlyList<int[]> prompts, int newTokens, bool useKvCache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newTokens);
        var greedy = new SamplingParameters(Temperature: 0, TopP: 1.0, TopK: 0, MaxNewTokens: newTokens);
        var requests = prompts.Select((p, b) => (p, new GenerationRequest("", greedy, b))).ToList();
        var results = await model.GenerateFromIdsAsync(requests, useKvCache, stopAtEndOfText: false, cancellationToken).ConfigureAwait(false);
        return results.Select(r => r.TokenIds.ToArray()).ToList();
    }

    /// <inheritdoc cref="RunAsync"/>
    public static GenerationBenchmarkResult Run(
        LocalTextModel model, int newTokens = 256, bool useKvCache = true, int batchSize = 1, int promptTokens = 16, int repeats = 3)
        => RunAsync(model, newTokens, useKvCache, batchSize, promptTokens, repeats).GetAwaiter().GetResult();
}
