using System.Runtime;
using System.Text;
using CaiEvents.Contracts;
using CaiEvents.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models;

public class Gpt2TextModelTests
{
    private static readonly SamplingParameters Sampled = new(Temperature: 1.0, TopP: 0.95, TopK: 20, MaxNewTokens: 24);

    private static LocalTextModel Load(long seed = 1234) => (LocalTextModel)ModelCatalog.Load("builtin:tiny", ModelOptions.Cpu with { Seed = seed });

    private static async Task<GenerationResult> GenerateOne(ITextModel model, string prompt, SamplingParameters sampling, long seed = 7)
        => (await model.GenerateAsync([new GenerationRequest(prompt, sampling, seed)]))[0];

    [Fact]
    public async Task Same_prompt_sampling_and_seed_give_identical_text_even_across_instances()
    {
        using var first = Load();
        using var second = Load();

        var a = await GenerateOne(first, "Hello, model.", Sampled, seed: 42);
        var b = await GenerateOne(first, "Hello, model.", Sampled, seed: 42);
        var c = await GenerateOne(second, "Hello, model.", Sampled, seed: 42);

        Assert.Equal(a, b);
        Assert.Equal(a, c);
        Assert.NotEmpty(a.Text);
    }

    [Fact]
    public void Checkpoint_hash_depends_only_on_the_init_seed()
    {
        using var a = Load(1234);
        using var b = Load(1234);
        using var c = Load(99);

        Assert.Equal("builtin:tiny", a.Identity.ModelId);
        Assert.Matches("^[0-9a-f]{64}$", a.Identity.CheckpointHash);
        Assert.Equal(a.Identity, b.Identity);
        Assert.NotEqual(a.Identity.CheckpointHash, c.Identity.CheckpointHash);
    }

    [Fact]
    public void Builtin_tiny_weights_are_pinned()
    {
        // Guards the init path of builtin:tiny: events record this hash as the checkpoint's identity,
        // so it must stay stable across runs and machines. Update deliberately if the init changes.
        using var model = Load(1234);

        Assert.Equal("35b3735b8c908705c508b171f631566258ae47866c0911d59ad77a95ac260112", model.Identity.CheckpointHash);
    }

    [Fact]
    public async Task Different_seeds_with_temperature_give_different_text()
    {
        using var model = Load();
        var requests = Enumerable.Range(1, 5).Select(s => new GenerationRequest("Once upon a time", Sampled, s)).ToList();

        var results = await model.GenerateAsync(requests);

        Assert.Equal(5, results.Count);
        Assert.True(results.Select(r => r.Text).Distinct().Count() > 1, "all seeds produced the same text");
    }

    [Fact]
    public async Task Batched_generation_gives_each_row_the_text_it_gets_alone()
    {
        using var model = Load();
        // Different prompt lengths (so rows are left-padded), sampling settings, lengths and seeds.
        var requests = new List<GenerationRequest>
        {
            new("Hi", Sampled, 1),
            new("A much longer prompt, so the others are padded 🙂", Sampled with { Temperature = 0.7, TopK = 0 }, 2),
            new("Greedy one", SamplingParameters.Greedy with { MaxNewTokens = 10 }, 3),
            new("", Sampled with { MaxNewTokens = 5, TopP = 1 }, 4),
            new("Hi", Sampled, 5),
        };

        var batched = await model.GenerateAsync(requests);
        var alone = new List<GenerationResult>();
        foreach (var r in requests)
        {
            alone.Add((await model.GenerateAsync([r]))[0]);
        }

        Assert.Equal(alone, batched);
        Assert.NotEqual(batched[0].Text, batched[4].Text);
    }

    [Fact]
    public async Task Kv_cached_and_uncached_generation_give_identical_tokens()
    {
        using var model = Load(77);
        var requests = new List<GenerationRequest>
        {
            new("The quick brown fox", SamplingParameters.Greedy with { MaxNewTokens = 40 }, 1),
            new("Short", SamplingParameters.Greedy with { MaxNewTokens = 40 }, 2),
            new("Sampled too", Sampled with { MaxNewTokens = 40 }, 3),
        };

        var cached = await model.GenerateTokensAsync(requests, useKvCache: true);
        var uncached = await model.GenerateTokensAsync(requests, useKvCache: false);

        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal(uncached[i].TokenIds, cached[i].TokenIds);
            Assert.Equal(uncached[i].Text, cached[i].Text);
            Assert.Equal(uncached[i].TokenLogProbs.Sum(), cached[i].TokenLogProbs.Sum(), 4);
        }
        Assert.Equal(40, cached[0].TokenIds.Count);
    }

    [Fact]
    public async Task Score_equals_the_generation_log_softmax_at_each_greedy_step()
    {
        using var model = Load(5);
        var generated = (await model.GenerateTokensAsync([new GenerationRequest("2+2=", SamplingParameters.Greedy with { MaxNewTokens = 12 }, 0)]))[0];

        var scores = await model.ScoreTokensAsync(generated.PromptIds, [generated.TokenIds]);

        Assert.Equal(generated.TokenIds.Count, scores[0].Length);
        for (var i = 0; i < scores[0].Length; i++)
        {
            Assert.Equal(generated.TokenLogProbs[i], scores[0][i], 4);
        }
        Assert.Equal(generated.TokenLogProbs.Sum(), scores[0].Sum(), 4);
    }

    [Fact]
    public async Task Score_is_the_sum_of_exact_per_token_log_probabilities()
    {
        using var model = Load();
        const string prompt = "2+2=";

        var scores = await model.ScoreAsync(prompt, ["4", "four", "", "🙂"]);

        Assert.Equal(["4", "four", "", "🙂"], scores.Select(s => s.Continuation));
        Assert.Equal(4, scores[1].TokenLogProbs.Count);
        Assert.Equal(4, scores[3].TokenLogProbs.Count); // four UTF-8 bytes
        Assert.Empty(scores[2].TokenLogProbs);
        Assert.Equal(0, scores[2].TotalLogProb);
        foreach (var s in scores)
        {
            Assert.Equal(s.TokenLogProbs.Sum(), s.TotalLogProb, 9);
            Assert.All(s.TokenLogProbs, lp => Assert.True(lp < 0));
        }
        // Scoring one continuation alone gives the same numbers as in the batch.
        var alone = await model.ScoreAsync(prompt, ["four"]);
        Assert.Equal(scores[1].TokenLogProbs, alone[0].TokenLogProbs);
        // The log-probs over the whole vocabulary at one position sum to one.
        var all = await model.ScoreTokensAsync(model.Tokenizer.Encode(prompt), Enumerable.Range(0, 257).Select(i => (IReadOnlyList<int>)[i]).ToList());
        Assert.Equal(1.0, all.Sum(s => Math.Exp(s[0])), 4);
    }

    [Fact]
    public async Task ScoreMany_matches_scoring_each_prompt_alone_across_prompt_lengths()
    {
        using var model = Load();
        var longPrompt = string.Concat(Enumerable.Repeat("a long, rambling prompt ", 60)); // truncated to fit the context
        IReadOnlyList<(string Prompt, IReadOnlyList<string> Continuations)> items =
        [
            ("2+2=", ["4", "four", "", "🙂"]),
            ("Human: which answer is kinder?\n\nAssistant: The answer is", [" (A)", " (B)"]),
            ("", [" hello"]),
            ("x", []),
            ("short", ["", ""]),
            (longPrompt, [" tail", " a longer tail than that"]),
            ("Human: which answer is kinder?\n\nAssistant: The answer is", [" (A)", " (B)"]),
        ];

        var batched = await model.ScoreManyAsync(items);

        Assert.Equal(items.Count, batched.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var alone = await model.ScoreAsync(items[i].Prompt, items[i].Continuations);
            Assert.Equal(alone.Select(s => s.Continuation), batched[i].Select(s => s.Continuation));
            for (var j = 0; j < alone.Count; j++)
            {
                Assert.Equal(alone[j].TokenLogProbs.Count, batched[i][j].TokenLogProbs.Count);
                Assert.Equal(alone[j].TotalLogProb, batched[i][j].TotalLogProb, 1e-5);
                for (var t = 0; t < alone[j].TokenLogProbs.Count; t++)
                {
                    Assert.Equal(alone[j].TokenLogProbs[t], batched[i][j].TokenLogProbs[t], 1e-5);
                }
            }
        }
        Assert.Empty(await model.ScoreManyAsync([]));
    }

    [Fact]
    public async Task Stop_sequences_cut_the_text_before_the_stop()
    {
        using var model = Load();
        var sampling = Sampled with { MaxNewTokens = 40, TopK = 0, TopP = 1 };
        var fullResult = await GenerateOne(model, "Q: why?\nA:", sampling);
        var full = fullResult.Text;
        // A two-character printable-ASCII stop that first occurs a few characters in, so the cut keeps some text.
        var at = Enumerable.Range(3, Math.Max(0, full.Length - 4))
            .FirstOrDefault(i => full[i] is > ' ' and < '\u007f' && full[i + 1] is > ' ' and < '\u007f'
                && full.IndexOf(full.Substring(i, 2), StringComparison.Ordinal) == i, -1);
        Assert.True(at > 0, $"sampled text has no usable stop sequence: '{full}'");
        var stop = full.Substring(at, 2);

        var cut = await GenerateOne(model, "Q: why?\nA:", sampling with { StopSequences = ["\u0001never", stop] });

        Assert.Equal(full[..at], cut.Text);
        Assert.DoesNotContain(stop, cut.Text);
        Assert.True(cut.GeneratedTokens < fullResult.GeneratedTokens);
    }

    [Fact]
    public async Task End_of_text_stops_a_row_and_is_not_part_of_the_text()
    {
        using var model = Load();
        // Make every hidden state the same vector v and the end-of-text embedding 10·v: its logit dominates.
        using (no_grad())
        {
            var state = ((Gpt2Model)model.Network).state_dict();
            state["ln_f.weight"].zero_();
            state["ln_f.bias"].fill_(1.0);
            state["wte.weight"][model.Tokenizer.EndOfTextId].fill_(10.0);
        }

        var result = (await model.GenerateTokensAsync([new GenerationRequest("Hello", Sampled, 1)]))[0];

        Assert.Equal(GenerationStop.EndOfText, result.Stop);
        Assert.Equal([model.Tokenizer.EndOfTextId], result.TokenIds);
        Assert.Equal("", result.Text);
    }

    [Fact]
    public async Task Generated_text_never_holds_nul_which_the_event_store_cannot_store()
    {
        using var model = Load();
        // As above, but the NUL byte token (id 0) dominates.
        using (no_grad())
        {
            var state = ((Gpt2Model)model.Network).state_dict();
            state["ln_f.weight"].zero_();
            state["ln_f.bias"].fill_(1.0);
            state["wte.weight"][0].fill_(10.0);
        }

        var result = (await model.GenerateTokensAsync([new GenerationRequest("Hello", Sampled with { MaxNewTokens = 3 }, 1)]))[0];

        Assert.Equal([0, 0, 0], result.TokenIds);
        Assert.Equal("\uFFFD\uFFFD\uFFFD", result.Text);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    public async Task Max_new_tokens_is_respected(int maxNewTokens)
    {
        using var model = Load();

        var result = await GenerateOne(model, "count: ", Sampled with { MaxNewTokens = maxNewTokens });

        Assert.InRange(result.GeneratedTokens, 0, maxNewTokens);
        Assert.InRange(result.Text.Length, 0, maxNewTokens);
        if (maxNewTokens == 0)
        {
            Assert.Equal(string.Empty, result.Text);
            Assert.Equal(0, result.GeneratedTokens);
        }
    }

    [Fact]
    public async Task Non_ascii_and_emoji_prompts_are_byte_tokens()
    {
        using var model = Load();
        const string prompt = "Grüße 🙂🚀 日本語\r\n\t";

        var result = await GenerateOne(model, prompt, Sampled with { MaxNewTokens = 4 });
        var scores = await model.ScoreAsync("naïve 🙂", ["é", "🙂 ok"]);

        Assert.Equal(Encoding.UTF8.GetByteCount(prompt), result.PromptTokens);
        Assert.Equal([2, 7], scores.Select(s => s.TokenLogProbs.Count));
    }

    [Fact]
    public async Task Very_long_prompt_is_truncated_from_the_left()
    {
        using var model = Load();
        var prompt = string.Concat(Enumerable.Repeat("a long prompt ", 2000));
        var sampling = Sampled with { MaxNewTokens = 16 };

        var result = await GenerateOne(model, prompt, sampling);
        var scores = await model.ScoreAsync(prompt, ["tail"]);

        Assert.Equal(model.Network.ContextLength - 16, result.PromptTokens);
        Assert.InRange(result.GeneratedTokens, 0, 16);
        Assert.Equal(4, scores[0].TokenLogProbs.Count);
    }

    [Fact]
    public async Task Concurrent_callers_get_the_same_results_as_sequential_ones()
    {
        using var model = Load();
        var requests = Enumerable.Range(0, 4).Select(s => new GenerationRequest($"prompt {s}", Sampled with { MaxNewTokens = 12 }, s)).ToList();
        var sequential = new List<GenerationResult>();
        foreach (var r in requests)
        {
            sequential.Add((await model.GenerateAsync([r]))[0]);
        }

        var concurrent = await Task.WhenAll(requests.Select(r => Task.Run(() => model.GenerateAsync([r]))));

        Assert.Equal(sequential, concurrent.Select(c => c[0]));
    }

    [Fact]
    public async Task Saved_model_loads_by_hf_id_with_the_same_hash_and_text()
    {
        using var dir = new TempDir();
        using var model = Load(31);
        ModelCatalog.Save(model, dir.Path);

        using var loaded = ModelCatalog.Load("hf:" + dir.Path, ModelOptions.Cpu);

        Assert.Equal("hf:" + dir.Path, loaded.Identity.ModelId);
        Assert.Equal(model.Identity.CheckpointHash, loaded.Identity.CheckpointHash);
        Assert.Equal(await GenerateOne(model, "same?", Sampled), await GenerateOne(loaded, "same?", Sampled));
    }

    [Fact]
    public void Only_local_gpt2_models_can_be_saved()
    {
        using var dir = new TempDir();

        Assert.Throws<NotSupportedException>(() => ModelCatalog.Save(new RemoteStandIn(), dir.Path));
    }

    private sealed class RemoteStandIn : ITextModel
    {
        public ModelIdentity Identity { get; } = new("openai:some-model", "none");

        public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(string prompt, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Unknown_model_id_is_a_clear_argument_error()
    {
        foreach (var id in new[] { "gpt-17", "builtin:huge", "nope:x", "hf:" })
        {
            var ex = Assert.Throws<ArgumentException>(() => ModelCatalog.Load(id, ModelOptions.Cpu));

            Assert.Contains($"'{id}'", ex.Message);
            Assert.Contains("builtin:tiny", ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
        }
    }

    [Fact]
    public void Missing_hf_directory_is_a_one_line_checkpoint_error()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), "cai-no-such-model-" + Guid.NewGuid());

        var ex = Assert.Throws<CheckpointFormatException>(() => ModelCatalog.Load("hf:" + nowhere, ModelOptions.Cpu));

        SafeTensorsTests.AssertOneLine(ex, nowhere);
    }

    [Fact]
    public void Half_precision_on_cpu_and_unknown_devices_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ModelCatalog.Load("builtin:tiny", new ModelOptions(Device: "cpu", DType: "bfloat16")));
        Assert.Throws<ArgumentException>(() => ModelCatalog.Load("builtin:tiny", new ModelOptions(Device: "tpu")));
        Assert.Throws<ArgumentException>(() => ModelCatalog.Load("builtin:tiny", new ModelOptions(Device: "cpu", DType: "int8")));
        if (!cuda.is_available())
        {
            Assert.Throws<InvalidOperationException>(() => ModelCatalog.Load("builtin:tiny", new ModelOptions(Device: "cuda")));
        }
    }

    [Fact]
    public async Task Disposed_model_refuses_calls()
    {
        var model = Load();
        model.Dispose();
        model.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => GenerateOne(model, "x", Sampled));
    }

    [Fact]
    public void Benchmark_generates_exactly_the_requested_tokens()
    {
        using var model = Load();

        var cached = GenerationBenchmark.Run(model, newTokens: 8, useKvCache: true, batchSize: 2);
        var uncached = GenerationBenchmark.Run(model, newTokens: 8, useKvCache: false);

        Assert.True(cached.TokensPerSecond > 0);
        Assert.True(uncached.TokensPerSecond > 0);
        Assert.Equal(2, cached.BatchSize);
        Assert.InRange(cached.Parameters, 100_000, 200_000);
    }
}

/// <summary>Tests that count live tensors process-wide run alone.</summary>
[CollectionDefinition(nameof(TensorCounting), DisableParallelization = true)]
public sealed class TensorCounting;

[Collection(nameof(TensorCounting))]
public class Gpt2TextModelLeakTests
{
    [Fact]
    public async Task Generating_and_scoring_leave_no_live_tensors_behind()
    {
        using var model = (LocalTextModel)ModelCatalog.Load("builtin:tiny", ModelOptions.Cpu);
        var sampling = new SamplingParameters(Temperature: 0.9, TopP: 0.9, TopK: 10, MaxNewTokens: 8, StopSequences: ["\n\n"]);
        await model.GenerateAsync([new GenerationRequest("warm up", sampling, 0)]);
        // Let other tests' undisposed tensors be finalized first, then keep the GC (and so the tensor
        // finalizers, which would quietly free an undisposed tensor) from running while counting.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = torch.Tensor.TotalCount;
        Assert.True(GC.TryStartNoGCRegion(200_000_000), "could not suspend the GC");
        try
        {
            for (var i = 0; i < 100; i++)
            {
                var requests = new[] { new GenerationRequest($"prompt {i}", sampling, i), new GenerationRequest("x", sampling, -i) };
                await model.GenerateTokensAsync(requests, useKvCache: i % 2 == 0);
            }
            await model.ScoreAsync("prompt", ["a", "bb", ""]);
        }
        finally
        {
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode); // else a GC ran and the count proves less
            GC.EndNoGCRegion();
        }

        Assert.Equal(before, torch.Tensor.TotalCount);
    }
}
