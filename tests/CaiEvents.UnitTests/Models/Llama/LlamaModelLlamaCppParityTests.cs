using CaiEvents.Models;
using CaiEvents.Models.Comparison;
using CaiEvents.Models.Gguf;
using CaiEvents.UnitTests.Models.Gguf;
using Xunit.Abstractions;

namespace CaiEvents.UnitTests.Models.Llama;

/// <summary>
/// The proof against an independent implementation: our TorchSharp <c>LlamaModel</c>, loaded from a tiny random HF
/// checkpoint of each model_type through <see cref="ModelCatalog"/> (the <c>hf:</c> path every role uses), against llama.cpp
/// running the f32 GGUF conversion of the same files: logits within 1e-3, 64 greedy tokens and the token ids identical.
/// </summary>
public class LlamaModelLlamaCppParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> ModelTypes => LlamaFamilyLlamaCppTests.ModelTypes;

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Our_llama_model_matches_llama_cpp(string modelType)
    {
        LocalTextModel? ours = null;
        try
        {
            var result = LlamaFamilyLlamaCppTests.AssertMatchesLlamaCpp(modelType, dir =>
            {
                ours = (LocalTextModel)ModelCatalog.Load(CaiEvents.Contracts.ModelIds.Hf(dir), ModelOptions.Cpu);
                return new TorchSharpModelProbe("torchsharp", ours.Network, ours.Tokenizer);
            });
            output.WriteLine($"{modelType}: max |Δlogit| {result.MaxAbsLogitDifference:G3}, greedy agreement {result.GreedyAgreement:P0}");
        }
        finally
        {
            ours?.Dispose();
        }
    }

    [Theory]
    [InlineData("llama", "chatml")]
    [InlineData("qwen3", "chatml")]
    [InlineData("mistral", "mistral")]
    [InlineData("qwen2", null)]
    public void A_written_random_checkpoint_matches_llama_cpp_after_conversion(string architecture, string? chatTemplate)
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.File("hf"), architecture, "tiny", seed: 11, chatTemplate);
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F32);
        using var ours = (LocalTextModel)ModelCatalog.Load(CaiEvents.Contracts.ModelIds.Hf(dir.File("hf")), ModelOptions.Cpu);
        using var gguf = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + dir.File("m.gguf"), threads: 2);

        var result = ModelComparison.Compare(new TorchSharpModelProbe("torchsharp", ours.Network, ours.Tokenizer), gguf,
            ["<|im_start|>user\nWhy is the sky blue?<|im_end|>\n", "[INST] twelve 12 douze [/INST]", "  plain text, no markers  "]);

        Assert.True(result.MaxAbsLogitDifference <= 1e-3, $"max |Δlogit| {result.MaxAbsLogitDifference}");
        Assert.True(result.AllGreedyIdentical, $"greedy agreement {result.GreedyAgreement}");
        Assert.True(result.AllTokenIdsEqual, "token ids differ");
        Assert.Equal(chatTemplate, ours.ChatTemplate?.Family);
    }
}
