using System.Diagnostics;
using CaiEvents.Models;
using CaiEvents.Models.Training;
using CaiEvents.Models.Lora;
using static TorchSharp.torch;

namespace CaiEvents.Benchmarks.ModelCompute;

/// <summary>
/// Training throughput for <c>cai bench train</c>: tokens/s of full training steps on random tokens, and model FLOPs
/// utilisation, i.e. achieved model FLOP/s (6·N + 12·L·d·T per token, counting the tied output head in N) over the
/// FLOP/s of a large float32 matmul measured in the same process just before; and the peak resident memory the trainer and its
/// steps added (<see cref="ProcessMemory"/>, Linux only).
/// </summary>
public static class TrainingBenchmark
{
    public static TrainingBenchmarkResult Run(LocalTextModel model, int steps, int batchSize, int sequenceLength, long seed = 1,
        TrainingBenchmarkSettings? settings = null)
    {
        settings ??= new TrainingBenchmarkSettings();
        var network = model.Network;
        if (sequenceLength > network.ContextLength)
            throw new ArgumentException($"--length {sequenceLength} exceeds the context length {network.ContextLength}");
        AttachAdapters(model, settings.LoraRank, seed);
        var matmul = MatmulGflops();
        var random = new Random((int)seed);
        var perStep = batchSize * settings.GradientAccumulation;
        var data = Enumerable.Range(0, perStep * (steps + 1))
            .Select(_ => TrainingSequence.Document(Enumerable.Range(0, sequenceLength).Select(_ => random.Next(model.Tokenizer.VocabCount)).ToArray()))
            .ToList();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ProcessMemory.TryResetPeak() ? ProcessMemory.Read() : null;
        using var trainer = new CausalLmTrainer(network, data,
            new TrainingOptions(1, batchSize, 1e-4, 0, 1, 0, 1, seed, settings.Precision, settings.GradientAccumulation, settings.ActivationCheckpointing),
            model.Tokenizer.EndOfTextId);
        trainer.TrainStep(); // warm-up: allocations and first-call costs
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        for (var i = 0; i < steps; i++) tokens += trainer.TrainStep().InputTokens;
        var seconds = clock.Elapsed.TotalSeconds;
        long? peakBytes = before is { } b && ProcessMemory.Read() is { } after ? after.PeakResidentBytes - b.ResidentBytes : null;

        var all = network.parameters().Sum(p => p.numel());
        var trainable = network.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        // Frozen weights need no weight-gradient matmul in backward: 2 of their 6 FLOPs per token are not done.
        var flopsPerToken = FlopsPerToken(network, all, sequenceLength) - 2.0 * (all - trainable);
        var tokensPerSecond = tokens / seconds;
        var modelGflops = flopsPerToken * tokensPerSecond / 1e9;
        return new TrainingBenchmarkResult("train", model.Identity.ModelId, all, steps, batchSize, sequenceLength,
            Math.Round(tokensPerSecond, 1), Math.Round(modelGflops, 2), Math.Round(matmul, 2), Math.Round(modelGflops / matmul, 4), get_num_threads(),
            TrainingPrecisions.Name(settings.Precision), settings.GradientAccumulation, settings.ActivationCheckpointing, settings.LoraRank, trainable,
            peakBytes);
    }

    /// <summary>
    /// Attaches rank-<paramref name="rank"/> adapters once (they stay for the process: measure full fine-tuning first); a different rank,
    /// or full fine-tuning after adapters were attached, is refused.
    /// </summary>
    private static void AttachAdapters(LocalTextModel model, int rank, long seed)
    {
        if (rank < 0) throw new ArgumentException($"--lora-rank must be 0 (full fine-tuning) or more, got {rank}");
        if (model.Adapters is { } adapters)
        {
            if (adapters.Config.Rank != rank)
                throw new ArgumentException($"this process already trains LoRA adapters of rank {adapters.Config.Rank}; measure rank {rank} in another run");
            return;
        }
        if (rank == 0) return;
        model.AttachAdapters(new LoraConfig(rank, 2.0 * rank, 0, LoraConfig.DefaultTargets(model.Network)), seed);
    }

    /// <summary>
    /// Training FLOPs per token. GPT-2: 6·(N − position table, a lookup) + 12·L·d·T for the attention scores. Other
    /// architectures do not expose their layer count here, so they count 6·N only (a lower bound).
    /// </summary>
    private static double FlopsPerToken(ICausalLanguageModel network, long parameters, int sequenceLength)
    {
        if (network is not Gpt2Model gpt2)
        {
            return 6.0 * parameters;
        }
        var config = gpt2.Config;
        var positionParams = (long)config.NPositions * config.NEmbd;
        return 6.0 * (parameters - positionParams) + 12.0 * config.NLayer * config.NEmbd * sequenceLength;
    }

    /// <summary>Median GFLOP/s of a 1024×1024 float32 matmul (2·n³ FLOPs) over several runs.</summary>
    public static double MatmulGflops(int n = 1024, int runs = 7)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(n, n);
        var b = randn(n, n);
        matmul(a, b).Dispose();
        var rates = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            matmul(a, b).Dispose();
            rates.Add(2.0 * n * n * n / clock.Elapsed.TotalSeconds / 1e9);
        }
        return rates.Order().ElementAt(rates.Count / 2);
    }
}
