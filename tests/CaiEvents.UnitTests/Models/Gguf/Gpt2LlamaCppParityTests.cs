using CaiEvents.Contracts;
using CaiEvents.Models;
using CaiEvents.Models.Comparison;
using CaiEvents.Models.Gguf;
using CaiEvents.Models.Tokenization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Gguf;

/// <summary>
/// GPT-2 checkpoints converted to GGUF and run by llama.cpp, the independent implementation, against our TorchSharp
/// Gpt2Model on the same weights: logits, greedy continuations and token ids.
/// </summary>
public class Gpt2LlamaCppParityTests(ITestOutputHelper output)
{
    private static readonly string[] Prompts =
    [
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog.\nA second line with  two spaces and digits 12345.",
        "Human: How do I bake bread?\n\nAssistant:",
    ];

    [Theory]
    [InlineData(GgufFileType.F32, 1e-3)]
    [InlineData(GgufFileType.F16, 5e-2)]
    public void Builtin_tiny_shape_with_random_weights_matches_llama_cpp(GgufFileType fileType, double bound)
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(seed: 5, ModelCatalog.TinyConfig);
        var tokenizer = Gpt2Tokenizer.ByteLevel();
        Gpt2Checkpoint.Save(model, tokenizer, dir.File("hf"));

        var result = ConvertAndCompare(dir, model, tokenizer, fileType);

        Assert.True(result.MaxAbsLogitDifference <= bound, $"max |Δlogit| {result.MaxAbsLogitDifference} > {bound}");
        Assert.True(result.AllTokenIdsEqual, "llama.cpp tokenized a prompt differently");
        if (fileType == GgufFileType.F32)
        {
            Assert.True(result.AllGreedyIdentical, $"greedy agreement {result.GreedyAgreement}");
        }
    }

    [Fact]
    public void Bpe_trained_gpt2_matches_llama_cpp_in_f32()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string[] corpus = [string.Join("\n", Prompts), "the cat sat on the mat; the dog ate the bread. 1234 5678"];
        var bpe = BpeTrainer.Train(corpus, new BpeTrainerOptions(VocabSize: 300));
        var tokenizer = Gpt2Tokenizer.FromText(bpe.VocabJson(), bpe.MergesText());
        var config = ModelTestData.TinyConfig(positions: 256) with { VocabSize = 304, BosTokenId = bpe.EndOfTextId, EosTokenId = bpe.EndOfTextId };
        using var model = ModelTestData.NewModel(seed: 9, config);
        Gpt2Checkpoint.Save(model, tokenizer, dir.File("hf"));

        var result = ConvertAndCompare(dir, model, tokenizer, GgufFileType.F32);

        Assert.True(result.MaxAbsLogitDifference <= 1e-3, $"max |Δlogit| {result.MaxAbsLogitDifference}");
        Assert.True(result.AllGreedyIdentical, $"greedy agreement {result.GreedyAgreement}");
        Assert.True(result.AllTokenIdsEqual, string.Join("; ", result.Prompts.Where(p => !p.TokenIdsEqual)
            .Select(p => $"[{string.Join(",", p.TokenIdsA)}] vs [{string.Join(",", p.TokenIdsB)}]")));
        Assert.Contains(result.Prompts, p => p.TokenIdsA.Any(id => id > 256)); // merges were used, not just bytes
    }

    [Fact]
    public async Task Gguf_text_model_generates_and_scores_like_the_logits_say()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(seed: 3, ModelCatalog.TinyConfig);
        Gpt2Checkpoint.Save(model, Gpt2Tokenizer.ByteLevel(), dir.File("hf"));
        var file = dir.File("tiny.gguf");
        HfToGgufConverter.Convert(dir.File("hf"), file, GgufFileType.F32);
        using var gguf = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + file, threads: 1);

        var greedy = new SamplingParameters(Temperature: 0, TopP: 1, MaxNewTokens: 8);
        var sampled = new SamplingParameters(Temperature: 1, TopP: 0.9, MaxNewTokens: 8);
        var results = await gguf.GenerateAsync([new("Hi", greedy, 1), new("Hi", sampled, 7), new("Hi", sampled, 7)]);
        var scores = await gguf.ScoreAsync("Hi", ["there", "!"]);

        Assert.Equal(8, results[0].GeneratedTokens);
        Assert.Equal(2, results[0].PromptTokens);
        Assert.Equal(results[1], results[2]); // same seed, same text
        // The greedy text is the argmax chain of the per-position logits.
        var expected = gguf.GreedyContinuation(gguf.Tokenize("Hi"), 8);
        Assert.Equal(gguf.Detokenize(expected), results[0].Text);
        // A continuation's score is log_softmax of the logits at the positions before its tokens.
        var ids = gguf.Tokenize("Hi").Concat(gguf.Tokenize("there")).ToArray();
        var logits = gguf.Logits(ids);
        var manual = Enumerable.Range(0, 5).Sum(j => SamplingMath.LogSoftmaxAt(logits[1 + j], ids[2 + j]));
        Assert.Equal(manual, scores[0].TotalLogProb, 6);
        Assert.Equal(5, scores[0].TokenLogProbs.Count);
        Assert.Equal(64, gguf.Identity.CheckpointHash.Length);
    }

    [Fact]
    public void Inputs_longer_than_a_batch_are_decoded_in_chunks_with_the_same_logits()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        using var model = ModelTestData.NewModel(seed: 6, ModelCatalog.TinyConfig);
        Gpt2Checkpoint.Save(model, Gpt2Tokenizer.ByteLevel(), dir.File("hf"));
        var file = dir.File("tiny.gguf");
        HfToGgufConverter.Convert(dir.File("hf"), file, GgufFileType.F32);
        using var whole = LlamaCppTextModel.Load(file, threads: 1);
        using var chunked = LlamaCppTextModel.Load(file, threads: 1, batchTokens: 4);
        var ids = whole.Tokenize("Eleven tokens or more, decoded four at a time.");

        var difference = ModelComparison.MaxAbsDifference(whole.Logits(ids), chunked.Logits(ids), whole.VocabSize);

        Assert.True(ids.Length > 12);
        Assert.True(difference <= 1e-4, $"chunked logits differ by {difference}");
        Assert.Equal(whole.GreedyContinuation(ids, 16), chunked.GreedyContinuation(ids, 16));
    }

    private ModelComparisonResult ConvertAndCompare(TempDir dir, Gpt2Model model, Gpt2Tokenizer tokenizer, GgufFileType fileType)
    {
        var file = dir.File($"model-{fileType}.gguf");
        HfToGgufConverter.Convert(dir.File("hf"), file, fileType);
        using var gguf = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + file, threads: 2);
        var torch = new TorchSharpModelProbe("hf", model, tokenizer);
        var result = ModelComparison.Compare(torch, gguf, Prompts, greedyTokens: 64);
        output.WriteLine($"{fileType}: max |Δlogit| {result.MaxAbsLogitDifference:G3}, greedy agreement {result.GreedyAgreement:P0}, "
            + $"token ids equal {result.AllTokenIdsEqual}");
        return result;
    }
}
