using CaiEvents.Contracts;
using CaiEvents.Models;

namespace CaiEvents.UnitTests.Models;

public class SamplingMathTests
{
    private static readonly float[] Logits = [1f, 3f, float.NaN, 3f, 2f, -1f];

    [Fact]
    public void Temperature_zero_is_argmax_with_the_lowest_id_winning_ties()
    {
        Assert.Equal(1, SamplingMath.Sample(Logits, SamplingParameters.Greedy, new Random(1)));
        Assert.Equal(1, SamplingMath.ArgMax([float.NaN, 5f, 5f]));
    }

    [Fact]
    public void Top_k_and_top_p_restrict_the_candidates()
    {
        var topK = new SamplingParameters(Temperature: 1, TopP: 1, TopK: 2);
        var topP = new SamplingParameters(Temperature: 1, TopP: 0.3, TopK: 0);
        var rng = new Random(3);

        var fromTopK = Enumerable.Range(0, 300).Select(_ => SamplingMath.Sample(Logits, topK, rng)).ToHashSet();
        var fromTopP = Enumerable.Range(0, 300).Select(_ => SamplingMath.Sample(Logits, topP, rng)).ToHashSet();
        var all = Enumerable.Range(0, 3000).Select(_ => SamplingMath.Sample(Logits, topK with { TopK = 0 }, rng)).ToHashSet();

        Assert.Equal(new HashSet<int> { 1, 3 }, fromTopK);
        Assert.Single(fromTopP); // each of the tied top tokens holds ~40% ≥ 0.3, so the nucleus is one of them
        Assert.Subset(new HashSet<int> { 1, 3 }, fromTopP);
        Assert.Equal(new HashSet<int> { 0, 1, 3, 4, 5 }, all); // never the NaN
    }

    [Fact]
    public void Same_seed_gives_the_same_draws()
    {
        var sampling = new SamplingParameters(Temperature: 0.7, TopP: 0.9, TopK: 4);

        var a = Enumerable.Range(0, 50).Select(_ => SamplingMath.Sample(Logits, sampling, SamplingMath.RowRandom(99))).ToList();
        var rng1 = SamplingMath.RowRandom(123456789012345);
        var rng2 = SamplingMath.RowRandom(123456789012345);

        Assert.Single(a.Distinct());
        Assert.Equal(Enumerable.Range(0, 50).Select(_ => SamplingMath.Sample(Logits, sampling, rng1)),
                     Enumerable.Range(0, 50).Select(_ => SamplingMath.Sample(Logits, sampling, rng2)));
    }

    [Fact]
    public void Log_softmax_matches_the_definition()
    {
        float[] logits = [0.5f, -2f, 4f];
        var z = logits.Sum(l => Math.Exp(l));

        for (var i = 0; i < logits.Length; i++)
        {
            Assert.Equal(logits[i] - Math.Log(z), SamplingMath.LogSoftmaxAt(logits, i), 12);
        }
    }

    [Theory]
    [InlineData(0, 0.9)]
    [InlineData(0, 0.5)]
    [InlineData(5, 1.0)]
    [InlineData(40, 0.8)]
    [InlineData(3000, 0.95)]
    public void Restricted_sampling_draws_only_from_the_reference_nucleus(int topK, double topP)
    {
        var rng = new Random(topK + (int)(topP * 100));
        // A peaked distribution over a GPT-2-sized vocabulary, as from a trained model.
        var logits = Enumerable.Range(0, 50257).Select(_ => (float)(rng.NextDouble() * rng.NextDouble() * 12)).ToArray();
        var sampling = new SamplingParameters(Temperature: 0.8, TopP: topP, TopK: topK);

        // Reference: sort everything, cut to top-k, then to the nucleus.
        var sorted = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ToList();
        var weights = sorted.Select(i => Math.Exp((logits[i] - logits[sorted[0]]) / 0.8)).ToList();
        var k = topK > 0 ? topK : sorted.Count;
        var norm = weights.Take(k).Sum();
        var keep = k;
        for (double c = 0, i = 0; i < k; i++)
        {
            c += weights[(int)i] / norm;
            if (c >= topP && topP < 1)
            {
                keep = (int)i + 1;
                break;
            }
        }
        var nucleus = sorted.Take(keep).ToHashSet();

        var drawn = Enumerable.Range(0, 2000).Select(_ => SamplingMath.Sample(logits, sampling, rng)).ToList();

        Assert.All(drawn, t => Assert.Contains(t, nucleus));
        Assert.Contains(sorted[0], drawn);
    }

    [Theory]
    [InlineData("answer\nHuman: more", "answer")]
    [InlineData("a<|im_end|>b\nHuman:", "a")]
    [InlineData("no stop here", null)]
    [InlineData("\nHuman:", "")]
    public void Text_before_stop_cuts_at_the_earliest_stop_sequence(string text, string? expected) =>
        Assert.Equal(expected, SamplingMath.TextBeforeStop(text, ["\nHuman:", "<|im_end|>"]));
}
