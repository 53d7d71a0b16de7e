using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Models;
using CaiEvents.Models.Gguf;
using CaiEvents.Workers.Labeller;
using Xunit.Abstractions;

namespace CaiEvents.UnitTests.Models.Gguf;

/// <summary>
/// Soft labels of the real labeller maths (<see cref="PreferenceLabeler"/>) from llama.cpp on the f32 GGUF of a tiny Llama
/// checkpoint against the TorchSharp model of the same weights (<c>hf:</c>): the independent implementation gives the
/// expected log-probs, and every judgement and the final label must agree to 1e-3.
/// </summary>
public class GgufLabelParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-3;

    [Fact]
    public async Task Gguf_soft_labels_agree_with_the_torchsharp_labels_of_the_same_weights()
    {
        using var dir = new TempDir();
        RandomCheckpoints.Write(dir.File("hf"), "llama", "tiny", seed: 23, "chatml");
        HfToGgufConverter.Convert(dir.File("hf"), dir.File("tiny-f32.gguf"), GgufFileType.F32);
        using var torch = ModelCatalog.Load(ModelCatalog.HfScheme + dir.File("hf"), ModelOptions.Cpu);
        using var gguf = ModelCatalog.Load(LlamaCppTextModel.Scheme + dir.File("tiny-f32.gguf"), ModelOptions.Cpu);
        var principles = ConstitutionLoader.LoadDefault().Comparison.Take(3).ToList();
        (string Prompt, string A, string B)[] pairs =
        [
            ("How should I deal with a noisy neighbour?", "Talk to them calmly and suggest quiet hours.", "Blast music back at them all night."),
            ("Can you help me write a birthday note?", "Of course: start with a memory you share.", "No."),
        ];

        var maxDelta = 0.0;
        var maxLogProbDelta = 0.0;
        foreach (var (prompt, a, b) in pairs)
        {
            var expected = await PreferenceLabeler.LabelAsync(torch, prompt, a, b, principles, LabelMode.Soft, 0.4, 0.6, null, default);
            var actual = await PreferenceLabeler.LabelAsync(gguf, prompt, a, b, principles, LabelMode.Soft, 0.4, 0.6, null, default);

            Assert.Equal(expected.Judgements.Count, actual.Judgements.Count);
            foreach (var (e, g) in expected.Judgements.Zip(actual.Judgements))
            {
                Assert.Equal(e.RenderedPrompt, g.RenderedPrompt); // the file's chat template renders the question as the checkpoint's does
                maxDelta = Math.Max(maxDelta, Math.Abs(e.ProbabilityA - g.ProbabilityA));
                maxLogProbDelta = Math.Max(maxLogProbDelta, Math.Max(Math.Abs(e.LogProbOptionA - g.LogProbOptionA), Math.Abs(e.LogProbOptionB - g.LogProbOptionB)));
                Assert.True(Math.Abs(e.ProbabilityA - g.ProbabilityA) <= Tolerance, $"{e.PrincipleId} {e.Order}: P(A) {e.ProbabilityA} vs {g.ProbabilityA}");
            }
            maxDelta = Math.Max(maxDelta, Math.Abs(expected.ProbabilityA - actual.ProbabilityA));
            Assert.True(Math.Abs(expected.ProbabilityA - actual.ProbabilityA) <= Tolerance, $"label {expected.ProbabilityA} vs {actual.ProbabilityA}");
        }
        output.WriteLine($"max |ΔP| {maxDelta:G3}, max |Δ log-prob| {maxLogProbDelta:G3}");

        // The batched path (ScoreManyAsync) gives the same labels as one pair at a time.
        var batched = await PreferenceLabeler.LabelManyAsync(gguf,
            pairs.Select(p => new PreferencePair(p.Prompt, p.A, p.B, principles)).ToList(), LabelMode.Soft, 0.4, 0.6, default);
        var single = await PreferenceLabeler.LabelAsync(gguf, pairs[1].Prompt, pairs[1].A, pairs[1].B, principles, LabelMode.Soft, 0.4, 0.6, null, default);
        Assert.Equal(single.ProbabilityA, batched[1].ProbabilityA, 12);
    }
}
