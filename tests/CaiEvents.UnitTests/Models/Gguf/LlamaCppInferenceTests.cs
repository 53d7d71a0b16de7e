using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CaiEvents.Contracts;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Gguf;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.UnitTests.Models.Gguf;

/// <summary>
/// The <c>gguf:</c> backend as the inference roles use it, on the f32 GGUF of a tiny Llama checkpoint: seeded sampling,
/// the sampling parameters, settings from configuration and the file's sha256 as the checkpoint hash.
/// </summary>
public sealed class LlamaCppInferenceTests : IDisposable
{
    private const string Prompt = "<|im_start|>user\nHow should I deal with a noisy neighbour?<|im_end|>\n<|im_start|>assistant\n";
    private readonly TempDir dir = new();
    private readonly string hf;
    private readonly string file;

    public LlamaCppInferenceTests()
    {
        hf = dir.File("hf");
        file = dir.File("tiny-f32.gguf");
        RandomCheckpoints.Write(hf, "llama", "tiny", seed: 11, "chatml");
        HfToGgufConverter.Convert(hf, file, GgufFileType.F32);
    }

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Same_seed_gives_the_same_text_alone_or_in_a_batch_and_different_seeds_differ_at_temperature_one()
    {
        using var model = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + file, threads: 1);
        var sampling = new SamplingParameters(Temperature: 1, TopP: 1, MaxNewTokens: 12);

        var alone = await model.GenerateAsync([new(Prompt, sampling, 41)]);
        var batch = await model.GenerateAsync([new(Prompt, sampling, 40), new(Prompt, sampling, 41), new(Prompt, sampling, 42), new(Prompt, sampling, 43)]);

        Assert.Equal(alone[0], batch[1]);
        Assert.Equal(4, batch.Select(r => r.Text).Distinct().Count());
        Assert.All(batch, r => Assert.True(r.GeneratedTokens is > 0 and <= 12));
    }

    [Fact]
    public async Task A_seeded_request_samples_the_same_text_as_the_torchsharp_model_of_the_same_weights()
    {
        // TorchSharp is the independent implementation: both draw from SamplingMath with the request's seed, so equal
        // logits (to float32 rounding) must give equal text for temperature, top-p and top-k sampling.
        using var gguf = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + file, threads: 1);
        using var torch = ModelCatalog.Load(ModelCatalog.HfScheme + hf, ModelOptions.Cpu);
        GenerationRequest[] requests =
        [
            new(Prompt, new SamplingParameters(Temperature: 1, TopP: 1, MaxNewTokens: 16), 3),
            new(Prompt, new SamplingParameters(Temperature: 0.7, TopP: 0.9, TopK: 40, MaxNewTokens: 16), 4),
            new(Prompt, SamplingParameters.Greedy with { MaxNewTokens = 16 }, 5),
        ];

        var expected = await torch.GenerateAsync(requests);
        var actual = await gguf.GenerateAsync(requests);

        Assert.Equal(expected.Select(r => (r.Text, r.PromptTokens, r.GeneratedTokens)), actual.Select(r => (r.Text, r.PromptTokens, r.GeneratedTokens)));
    }

    [Fact]
    public async Task Top_k_of_one_is_greedy_and_a_stop_sequence_ends_the_text_before_it()
    {
        using var model = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + file, threads: 1);
        var greedy = (await model.GenerateAsync([new(Prompt, SamplingParameters.Greedy with { MaxNewTokens = 24 }, 1)]))[0];
        var topOne = (await model.GenerateAsync([new(Prompt, new SamplingParameters(Temperature: 1, TopP: 1, TopK: 1, MaxNewTokens: 24), 9)]))[0];
        Assert.Equal(greedy, topOne);

        // A stop sequence taken from the middle of the greedy text: the text ends just before its first occurrence.
        var stop = greedy.Text.Substring(greedy.Text.Length / 2, 2);
        var stopped = (await model.GenerateAsync([new(Prompt, SamplingParameters.Greedy with { MaxNewTokens = 24, StopSequences = [stop] }, 1)]))[0];

        Assert.Equal(greedy.Text[..greedy.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.True(stopped.GeneratedTokens < greedy.GeneratedTokens, $"{stopped.GeneratedTokens} tokens, not fewer than {greedy.GeneratedTokens}");
    }

    [Fact]
    public void The_checkpoint_hash_is_the_sha256_of_the_gguf_file()
    {
        using var model = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + file, threads: 1);

        using var stream = File.OpenRead(file);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stream)), model.Identity.CheckpointHash);
        Assert.Equal(LlamaCppTextModel.Scheme + file, model.Identity.ModelId);
    }

    [Fact]
    public void Threads_and_context_size_come_from_the_models_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Models:Device"] = "cpu",
            ["Models:LlamaCpp:Threads"] = "2",
            ["Models:LlamaCpp:ContextSize"] = "96",
            ["Models:LlamaCpp:BatchTokens"] = "16",
        }).Build();

        var options = ModelConfiguration.Options(configuration);
        using var configured = (LlamaCppTextModel)ModelCatalog.Load(LlamaCppTextModel.Scheme + file, options);
        using var defaults = (LlamaCppTextModel)ModelCatalog.Load(LlamaCppTextModel.Scheme + file, ModelOptions.Cpu);

        Assert.Equal(new LlamaCppOptions { Threads = 2, ContextSize = 96, BatchTokens = 16 }, options.LlamaCpp);
        Assert.Equal(2, configured.Threads);
        Assert.Equal(96, configured.ContextLength);
        // Unset: the checkpoint's own context (its config.json, read here directly) and one thread per processor.
        var trained = (int)JsonNode.Parse(File.ReadAllText(Path.Combine(hf, "config.json")))!["max_position_embeddings"]!;
        Assert.Equal(Math.Min(trained, LlamaCppTextModel.DefaultMaxContext), defaults.ContextLength);
        Assert.Equal(Environment.ProcessorCount, defaults.Threads);
    }

    [Fact]
    public void A_negative_setting_is_refused_in_one_line_naming_its_key()
    {
        var options = ModelOptions.Cpu with { LlamaCpp = new LlamaCppOptions { ContextSize = -1 } };

        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Load(LlamaCppTextModel.Scheme + file, options));

        Assert.Equal("Models:LlamaCpp:ContextSize is -1; expected 0 (the default) or a positive number.", e.Message);
    }
}
