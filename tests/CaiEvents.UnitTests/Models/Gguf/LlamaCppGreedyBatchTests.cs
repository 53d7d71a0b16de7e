using CaiEvents.Models.Gguf;

namespace CaiEvents.UnitTests.Models.Gguf;

/// <summary>
/// <see cref="LlamaCppTextModel.GreedyBatch"/> (the llama.cpp side of <c>cai bench generate --against</c>): several sequences in one
/// llama.cpp batch must give what llama.cpp gives each prompt alone (<see cref="LlamaCppTextModel.GreedyContinuation"/>, one sequence).
/// </summary>
public class LlamaCppGreedyBatchTests
{
    private static readonly int[][] Prompts = [[116, 257, 256, 104], [97, 98, 99, 100, 101, 102, 103], [259]];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sequences_decoded_together_match_each_prompt_decoded_alone(bool useKvCache)
    {
        using var dir = new TempDir();
        TinyHfCheckpoint.Write(dir.File("hf"), "llama", seed: 7);
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F32);
        using var alone = LlamaCppTextModel.Load(dir.File("m.gguf"), threads: 1);
        using var together = LlamaCppTextModel.Load(dir.File("m.gguf"), threads: 1, contextSize: 256, sequences: Prompts.Length);

        var batched = together.GreedyBatch(Prompts, 12, useKvCache);

        Assert.Equal(Prompts.Length, batched.Length);
        for (var b = 0; b < Prompts.Length; b++)
        {
            Assert.Equal(alone.GreedyContinuation(Prompts[b], 12), batched[b]);
        }
    }

    [Fact]
    public void More_prompts_than_sequences_are_refused()
    {
        using var dir = new TempDir();
        TinyHfCheckpoint.Write(dir.File("hf"), "llama", seed: 7);
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F32);
        using var model = LlamaCppTextModel.Load(dir.File("m.gguf"), threads: 1, sequences: 2);

        var error = Assert.Throws<ArgumentException>(() => model.GreedyBatch(Prompts, 4));

        Assert.Contains("loaded for 1 to 2 sequences", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vocabulary_limit_keeps_the_argmax_below_it()
    {
        using var dir = new TempDir();
        TinyHfCheckpoint.Write(dir.File("hf"), "llama", seed: 7);
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("m.gguf"), GgufFileType.F32);
        using var model = LlamaCppTextModel.Load(dir.File("m.gguf"), threads: 1);
        var logits = model.Logits(Prompts[0])[^1];
        var limit = Array.IndexOf(logits, logits.Max()); // the unrestricted argmax is just out of bounds
        Assert.True(limit > 0);
        // The expected first token: the largest logit among ids below the limit, found here by plain search.
        var expected = Enumerable.Range(0, limit).MaxBy(i => logits[i]);

        var tokens = model.GreedyBatch([Prompts[0]], 3, vocabLimit: limit)[0];

        Assert.Equal(expected, tokens[0]);
        Assert.All(tokens, t => Assert.True(t < limit));
    }
}
