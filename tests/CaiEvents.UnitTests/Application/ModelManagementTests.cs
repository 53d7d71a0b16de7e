using CaiEvents.Application;
using CaiEvents.Application.ModelManagement;
using CaiEvents.Models.Gguf;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Application;

/// <summary>The use cases of <c>cai model init|convert|inspect|compare</c>: bad input refused before anything is written, and what they report.</summary>
public class ModelManagementTests
{
    [Fact]
    public void Init_refuses_a_non_empty_directory_unless_forced()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("keep.txt"), "mine");

        var e = Assert.Throws<UsageException>(() => CheckpointInitialisation.Write(dir.Path, "llama", "tiny", 1, null, force: false));

        Assert.Equal($"--out: '{dir.Path}' is not empty (use --force to write over it)", e.Message);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        var forced = CheckpointInitialisation.Write(dir.Path, "llama", "tiny", 1, null, force: true);
        Assert.True(File.Exists(Path.Combine(forced.Directory, "config.json")));
        Assert.Equal("mine", File.ReadAllText(dir.File("keep.txt")));
    }

    [Theory]
    [InlineData("gpt3", "tiny", null, "--arch: 'gpt3' is not one of gpt2, llama, mistral, qwen2, qwen3")]
    [InlineData("llama", "huge", null, "--size: 'huge' is not one of tiny, small")]
    [InlineData("llama", "tiny", "jinja2", "--chat-template: 'jinja2' is not one of llama3, chatml, mistral, gemma, phi3, zephyr")]
    [InlineData("gpt2", "tiny", "chatml",
        "A GPT-2 checkpoint keeps vocab.json/merges.txt, which hold no chat template; use --arch llama, mistral, qwen2 or qwen3.")]
    public void Init_bad_options_are_usage_errors_and_write_nothing(string arch, string size, string? template, string expected)
    {
        using var dir = new TempDir();

        var e = Assert.Throws<UsageException>(() => CheckpointInitialisation.Write(dir.File("out"), arch, size, 1, template, force: false));

        Assert.Equal(expected, e.Message);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData("onnx", "f32", "--to: 'onnx' is not one of gguf")]
    [InlineData("gguf", "q4_0", "--type: 'q4_0' is not one of f32, f16")]
    public void Convert_bad_options_are_usage_errors(string to, string type, string expected)
    {
        using var dir = new TempDir();
        Assert.Equal(expected, Assert.Throws<UsageException>(() => GgufConversion.Convert(to, dir.Path, dir.File("m.gguf"), type)).Message);
    }

    [Fact]
    public void Inspect_reads_the_same_facts_from_a_checkpoint_and_its_gguf()
    {
        using var dir = new TempDir();
        var init = CheckpointInitialisation.Write(dir.File("hf"), "qwen2", "tiny", 3, "chatml", force: false);
        var converted = GgufConversion.Convert("gguf", init.Directory, dir.File("m.gguf"), "f16");

        var hf = ModelInspection.Inspect("hf:" + init.Directory);
        var gguf = ModelInspection.Inspect(LlamaCppTextModel.Scheme + converted.File);

        Assert.Equal(("qwen2", "qwen2"), (hf.Architecture, gguf.Architecture));
        Assert.Equal((1024, 1024), (hf.ContextLength, gguf.ContextLength)); // LlamaShapes' tiny max_position_embeddings
        Assert.Equal(("float32", "f16"), (hf.DType, gguf.DType));
        Assert.Equal(("chatml", "chatml"), (hf.ChatTemplate, gguf.ChatTemplate));
        Assert.Equal(hf.ChatTemplateSha256, gguf.ChatTemplateSha256);
        Assert.Equal(init.Sha256, hf.CheckpointSha256);
        Assert.Equal(converted.Sha256, gguf.CheckpointSha256);
        var eos = gguf.SpecialTokens.Single(t => t.Role == "eos");
        Assert.Equal(hf.SpecialTokens.Single(t => t.Role == "eos"), eos);
        Assert.Contains(hf.SpecialTokens, t => t is { Role: "stop", Text: "<|im_end|>" });
    }

    [Fact]
    public void Compare_refuses_a_model_without_weights()
    {
        var e = Assert.Throws<UsageException>(() => ModelParityComparison.Compare("builtin:echo", "builtin:tiny", null, 4, CancellationToken.None));
        Assert.StartsWith("model 'builtin:echo' has no weights to compare", e.Message);
    }
}
