using System.Diagnostics;
using CaiEvents.Models;
using CaiEvents.Models.Gguf;
using static TorchSharp.torch;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// <c>cai bench generate --against gguf:FILE</c>: greedy decode speed of our TorchSharp model and of llama.cpp on the same
/// weights, in one process, same prompt ids, no end-of-text stop. Runs are interleaved (each repeat times every point on both
/// sides, alternating which side goes first), so load from other work on the machine falls on both sides alike and the
/// TorchSharp/llama.cpp ratio is the robust number. Each side's peak memory is measured while it loads and runs once.
/// </summary>
public static class LlamaCppComparisonBenchmark
{
    public static async Task<LlamaCppComparisonResult> RunAsync(LlamaCppComparisonSettings settings, Action<string> progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        Check(settings);
        var before = get_num_threads();
        var threads = settings.Threads > 0 ? settings.Threads : before;
        set_num_threads(threads);
        try
        {
            return await RunAsync(settings, threads, progress, ct);
        }
        finally
        {
            set_num_threads(before);
        }
    }

    private static async Task<LlamaCppComparisonResult> RunAsync(LlamaCppComparisonSettings settings, int threads, Action<string> progress,
        CancellationToken ct)
    {
        var largest = settings.LargestBatch;

        var (torchModel, torchPeak) = MeasurePeak(() => ModelCatalog.Load(settings.ModelId, new ModelOptions(Device: "cpu")) as LocalTextModel
            ?? throw new ArgumentException($"{settings.ModelId} is not a local TorchSharp model.", nameof(settings)));
        using var torch = torchModel;
        var vocab = torch.Tokenizer.VocabCount;
        var prompt = GenerationBenchmark.Prompt(settings.PromptTokens, vocab);
        int[][] Prompts(int batch) => Enumerable.Repeat(prompt, batch).ToArray();
        // The untimed run at the largest batch warms the side up and is part of its peak.
        IReadOnlyList<int[]> torchTokens = [];
        (_, torchPeak) = await MeasurePeakAsync(async () =>
            torchTokens = await GenerationBenchmark.GreedyAsync(torch, Prompts(largest), settings.NewTokens, useKvCache: true, ct), torchPeak);
        progress($"TorchSharp {settings.ModelId} loaded and warmed up (peak growth {Mb(torchPeak)})");

        var (llamaModel, llamaPeak) = MeasurePeak(() => LlamaCppTextModel.Load(settings.GgufPath, threads,
            contextSize: largest * (settings.PromptTokens + settings.NewTokens), sequences: largest));
        using var llama = llamaModel;
        var llamaTokens = Array.Empty<int[]>();
        (_, llamaPeak) = await MeasurePeakAsync(() =>
        {
            llamaTokens = llama.GreedyBatch(Prompts(largest), settings.NewTokens, vocabLimit: vocab);
            return Task.FromResult(true);
        }, llamaPeak);
        progress($"llama.cpp {settings.GgufPath} loaded and warmed up (peak growth {Mb(llamaPeak)})");
        var agreement = Agreement(torchTokens, llamaTokens);

        var plan = settings.Batches.Select(b => (Batch: b, Cached: true, settings.Repeats))
            .Concat(settings.UncachedBatchesOrDefault.Select(b => (Batch: b, Cached: false, Repeats: settings.UncachedRepeats))).ToList();
        var torchRuns = plan.Select(_ => new List<double>()).ToArray();
        var llamaRuns = plan.Select(_ => new List<double>()).ToArray();
        for (var repeat = 0; repeat < plan.Max(p => p.Repeats); repeat++)
        {
            for (var i = 0; i < plan.Count; i++)
            {
                var (batch, cached, repeats) = plan[i];
                if (repeat >= repeats)
                {
                    continue;
                }
                var prompts = Prompts(batch);
                async Task TimeTorch() => torchRuns[i].Add(await TimeAsync(async () =>
                    Expect(await GenerationBenchmark.GreedyAsync(torch, prompts, settings.NewTokens, cached, ct), batch, settings.NewTokens)));
                async Task TimeLlama() => llamaRuns[i].Add(await TimeAsync(() =>
                    Task.FromResult(Expect(llama.GreedyBatch(prompts, settings.NewTokens, cached, vocab), batch, settings.NewTokens))));
                if (repeat % 2 == 0)
                {
                    await TimeTorch();
                    await TimeLlama();
                }
                else
                {
                    await TimeLlama();
                    await TimeTorch();
                }
                progress($"repeat {repeat + 1}, batch {batch}, {(cached ? "KV cache" : "no KV cache")}: "
                    + $"TorchSharp {torchRuns[i][^1]:0.000} s, llama.cpp {llamaRuns[i][^1]:0.000} s");
            }
        }

        var points = plan.Select((p, i) => new LlamaCppComparisonPoint(
            new GenerationSpeed("torchsharp", p.Batch, p.Cached, settings.NewTokens, torchRuns[i]),
            new GenerationSpeed("llama.cpp", p.Batch, p.Cached, settings.NewTokens, llamaRuns[i]))).ToList();
        var parameters = torch.Network.parameters().Sum(p => p.numel());
        return new LlamaCppComparisonResult(settings.ModelId, settings.GgufPath, parameters, settings.PromptTokens, settings.NewTokens,
            get_num_threads(), threads, torchPeak, llamaPeak, new FileInfo(GgufFile(settings.GgufPath)).Length, agreement, points);
    }

    private static void Check(LlamaCppComparisonSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Threads, nameof(settings));
        if (settings.Batches.Count == 0 || settings.Batches.Concat(settings.UncachedBatchesOrDefault).Any(b => b < 1))
        {
            throw new ArgumentException("Batches must be at least 1, and at least one is needed.", nameof(settings));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.NewTokens, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.PromptTokens, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Repeats, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.UncachedRepeats, nameof(settings));
    }

    private static string GgufFile(string id) => id.StartsWith(LlamaCppTextModel.Scheme, StringComparison.Ordinal) ? id[LlamaCppTextModel.Scheme.Length..] : id;

    private static bool Expect(IReadOnlyList<int[]> tokens, int batch, int newTokens) =>
        tokens.Count == batch && tokens.All(t => t.Length == newTokens)
            ? true
            : throw new InvalidOperationException($"Expected {batch} rows of {newTokens} tokens.");

    private static async Task<double> TimeAsync(Func<Task<bool>> work)
    {
        var clock = Stopwatch.StartNew();
        await work();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Fraction of positions (all rows) where both sides chose the same token.</summary>
    private static double Agreement(IReadOnlyList<int[]> a, IReadOnlyList<int[]> b)
    {
        var pairs = a.Zip(b).SelectMany(rows => rows.First.Zip(rows.Second)).ToList();
        return pairs.Count == 0 ? 0 : pairs.Count(p => p.First == p.Second) / (double)pairs.Count;
    }

    /// <summary>Runs <paramref name="load"/> after resetting the peak RSS; returns its value and the peak's growth over the RSS before it.</summary>
    private static (T Value, long? PeakGrowth) MeasurePeak<T>(Func<T> load)
    {
        var before = ProcessMemory.TryResetPeak() ? ProcessMemory.Read() : null;
        var value = load();
        return (value, before is { } b && ProcessMemory.Read() is { } after ? after.PeakResidentBytes - b.ResidentBytes : null);
    }

    /// <summary>
    /// Continues a <see cref="MeasurePeak{T}"/>: the peak is not reset, so the growth covers the load and <paramref name="work"/>;
    /// the larger of the two readings is kept.
    /// </summary>
    private static async Task<(T Value, long? PeakGrowth)> MeasurePeakAsync<T>(Func<Task<T>> work, long? loadGrowth)
    {
        var before = ProcessMemory.Read();
        var value = await work();
        if (loadGrowth is null || before is null || ProcessMemory.Read() is not { } after)
        {
            return (value, loadGrowth);
        }
        // VmHWM only rises since the reset before the load, so peak − (RSS at the reset) still holds; recover that base.
        var resetBase = before.Value.PeakResidentBytes - loadGrowth.Value;
        return (value, after.PeakResidentBytes - resetBase);
    }

    private static string Mb(long? bytes) => bytes is { } b ? $"{b / 1048576.0:0} MiB" : "unmeasured";
}
