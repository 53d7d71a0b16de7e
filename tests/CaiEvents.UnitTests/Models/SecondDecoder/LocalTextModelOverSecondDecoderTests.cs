using CaiEvents.Contracts;
using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.SecondDecoder;

/// <summary><see cref="LocalTextModel"/> over a decoder that is not GPT-2, with a tokenizer that has a begin-of-text id and two stop ids.</summary>
public class LocalTextModelOverSecondDecoderTests
{
    private static readonly SamplingParameters Sampled = new(Temperature: 1.0, TopP: 1.0, TopK: 0, MaxNewTokens: 8);

    /// <summary>Vocabulary 262 (padded past the tokenizer's 259 ids), width 16, 64 positions.</summary>
    internal static LocalTextModel NewModel(long seed = 1) =>
        new("test:prefix-mean", new PrefixMeanArchitecture(), new PrefixMeanDecoder(262, 16, 64, seed), new SpecialTokenTokenizer(), "unhashed",
            ModelOptions.Cpu);

    private static int[] Bytes(string text) => [.. System.Text.Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    [Fact]
    public async Task Generation_stops_on_a_stop_id_that_is_not_end_of_text_and_leaves_it_out_of_the_text()
    {
        using var model = NewModel();
        var decoder = (PrefixMeanDecoder)model.Network;
        // Every hidden state becomes tanh(1)·1, and the end-of-turn row of the head is 10·1: its logit dominates.
        using (no_grad())
        {
            decoder.Mix.weight!.zero_();
            decoder.Mix.bias!.fill_(1.0);
            decoder.Head.weight![SpecialTokenTokenizer.EndOfTurn].fill_(10.0);
        }

        var result = (await model.GenerateTokensAsync([new GenerationRequest("Hello", Sampled, 1)]))[0];

        Assert.Equal(GenerationStop.EndOfText, result.Stop);
        Assert.Equal([SpecialTokenTokenizer.EndOfTurn], result.TokenIds);
        Assert.Equal("", result.Text);
    }

    [Fact]
    public async Task Prompts_start_with_the_begin_of_text_id()
    {
        using var model = NewModel();

        var result = (await model.GenerateTokensAsync([new GenerationRequest("Hi", Sampled, 1)]))[0];

        Assert.Equal([SpecialTokenTokenizer.BeginOfText, 'H', 'i'], result.PromptIds);
    }

    [Fact]
    public async Task Scores_equal_a_forward_pass_with_the_begin_of_text_id_in_front()
    {
        using var model = NewModel();
        const string prompt = "Hi", continuation = " there";

        var scores = (await model.ScoreAsync(prompt, [continuation]))[0].TokenLogProbs;
        var many = (await model.ScoreManyAsync([(prompt, [continuation])]))[0][0].TokenLogProbs;

        var withBegin = ManualLogProbs(model, [SpecialTokenTokenizer.BeginOfText, .. Bytes(prompt)], Bytes(continuation));
        var withoutBegin = ManualLogProbs(model, Bytes(prompt), Bytes(continuation));
        Assert.Equal(withBegin.Length, scores.Count);
        for (var i = 0; i < withBegin.Length; i++)
        {
            Assert.Equal(withBegin[i], scores[i], 4);
            Assert.Equal(withBegin[i], many[i], 4);
        }
        Assert.True(withBegin.Zip(withoutBegin).Any(p => Math.Abs(p.First - p.Second) > 1e-3), "the begin-of-text id changes the scores");
    }

    [Fact]
    public async Task A_prompt_cut_to_fit_the_context_keeps_its_begin_of_text_id_in_front()
    {
        using var model = NewModel();
        var prompt = string.Concat(Enumerable.Range(0, 100).Select(i => (char)('a' + i % 26)));
        const string continuation = " ok";

        var generated = (await model.GenerateTokensAsync([new GenerationRequest(prompt, Sampled, 1)]))[0];
        var scores = (await model.ScoreAsync(prompt, [continuation]))[0].TokenLogProbs;
        var many = (await model.ScoreManyAsync([(prompt, [continuation])]))[0][0].TokenLogProbs;

        // 64 positions: 8 new tokens leave 56 for the prompt, begin-of-text and the last 55 bytes.
        Assert.Equal([SpecialTokenTokenizer.BeginOfText, .. Bytes(prompt)[^55..]], generated.PromptIds);
        // Scoring 3 continuation tokens leaves 61: begin-of-text and the last 60 bytes.
        var manual = ManualLogProbs(model, [SpecialTokenTokenizer.BeginOfText, .. Bytes(prompt)[^60..]], Bytes(continuation));
        for (var i = 0; i < manual.Length; i++)
        {
            Assert.Equal(manual[i], scores[i], 4);
            Assert.Equal(manual[i], many[i], 4);
        }
    }

    [Fact]
    public async Task A_batch_with_left_padding_and_the_kv_cache_gives_each_row_what_it_gives_alone_without_the_cache()
    {
        using var model = NewModel(seed: 4);
        var requests = new[] { new GenerationRequest("A short one", Sampled, 11), new GenerationRequest("Hi", Sampled, 12) };

        var batch = await model.GenerateTokensAsync(requests);
        var alone = new[]
        {
            (await model.GenerateTokensAsync([requests[0]], useKvCache: false))[0],
            (await model.GenerateTokensAsync([requests[1]], useKvCache: false))[0],
        };

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(alone[i].TokenIds, batch[i].TokenIds);
            Assert.Equal(alone[i].Text, batch[i].Text);
        }
    }

    [Fact]
    public async Task Saving_goes_through_the_models_architecture_and_hashes_as_it_writes()
    {
        using var dir = new TempDir();
        using var model = NewModel();

        model.Save(dir.Path);

        var written = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(dir.File(LocalCheckpoint.WeightsFileName))));
        Assert.Equal(written, await TorchThread.RunAsync(model.CurrentWeightsSha256));
        Assert.True(LocalCheckpoint.Exists(dir.Path));
    }

    /// <summary>log_softmax of the network's logits at the positions that predict each continuation token, computed here.</summary>
    private static double[] ManualLogProbs(LocalTextModel model, int[] prompt, int[] continuation)
    {
        var network = model.Network;
        int[] all = [.. prompt, .. continuation];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = network.Logits(network.HiddenStates(tensor(all.Select(i => (long)i).ToArray(), [1, all.Length])))[0];
        var logProbs = nn.functional.log_softmax(logits.to(ScalarType.Float64), 1);
        return [.. continuation.Select((token, j) => logProbs[prompt.Length - 1 + j, token].item<double>())];
    }
}
