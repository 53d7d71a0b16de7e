using CaiEvents.Models.Rl;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Ppo;

/// <summary>PPO's arithmetic against numbers worked out by hand (in the comments).</summary>
public class PpoMathTests
{
    [Fact]
    public void Gae_matches_the_hand_computed_recursion()
    {
        // r = [1, 0, 2], V = [0.5, 1.0, 0.5], γ = 0.9, λ = 0.8, V_3 = 0.
        // δ2 = 2 − 0.5 = 1.5                 A2 = 1.5
        // δ1 = 0 + 0.9·0.5 − 1.0 = −0.55     A1 = −0.55 + 0.72·1.5 = 0.53
        // δ0 = 1 + 0.9·1.0 − 0.5 = 1.4       A0 = 1.4 + 0.72·0.53 = 1.7816
        var (advantages, returns) = PpoMath.Gae([1, 0, 2], [0.5, 1.0, 0.5], 0.9, 0.8);
        AssertClose([1.7816, 0.53, 1.5], advantages);
        AssertClose([2.2816, 1.53, 2.0], returns);
    }

    [Fact]
    public void Gae_with_lambda_one_is_the_return_minus_the_value_and_with_lambda_zero_the_td_error()
    {
        var (monteCarlo, _) = PpoMath.Gae([1, 0, 2], [0.5, 1.0, 0.5], 1.0, 1.0);
        AssertClose([3 - 0.5, 2 - 1.0, 2 - 0.5], monteCarlo);
        var (td, _) = PpoMath.Gae([1, 0, 2], [0.5, 1.0, 0.5], 0.9, 0.0);
        AssertClose([1.4, -0.55, 1.5], td);
    }

    [Fact]
    public void The_kl_estimator_and_the_token_rewards_put_the_score_on_the_last_token()
    {
        Assert.Equal(1.0, PpoMath.KlEstimate(-1, -2), 12);
        Assert.Equal(-0.5, PpoMath.KlEstimate(-2, -1.5), 12); // one sample may be negative
        // β = 0.1: −0.1·(−1 − −2) = −0.1, −0.1·0 = 0, −0.1·(−0.5 − −1) + 3 = 2.95
        AssertClose([-0.1, 0, 2.95], PpoMath.TokenRewards([-1, -2, -0.5], [-2, -2, -1], 3, 0.1));
    }

    [Fact]
    public void The_clipped_surrogate_clips_only_outside_the_range_and_only_in_the_pessimistic_direction()
    {
        using var scope = NewDisposeScope();
        // ratios 1.1 (inside), 1.5 with A > 0 (clipped to 1.2), 0.5 with A < 0 (clipped to 0.8), 1.5 with A < 0 (unclipped
        // term is lower), and a masked token that must not count.
        var ratios = new[] { 1.1, 1.5, 0.5, 1.5, 3.0 };
        var old = tensor(new float[] { -1, -2, -0.5f, -3, -1 }).reshape(1, 5);
        var logProbs = (old + tensor(ratios.Select(r => (float)Math.Log(r)).ToArray()).reshape(1, 5)).detach().requires_grad_();
        var advantages = tensor(new float[] { 2, 1, -1, -2, 100 }).reshape(1, 5);
        var mask = tensor(new float[] { 1, 1, 1, 1, 0 }).reshape(1, 5);

        var (loss, clipFraction) = PpoMath.ClippedSurrogate(logProbs, old, advantages, mask, 0.2);
        // min terms: 2.2, 1.2, −0.8, −3 → loss = −(−0.4)/4 = 0.1; three of four real ratios are outside [0.8, 1.2].
        Assert.Equal(0.1, loss.item<float>(), 5);
        Assert.Equal(0.75, clipFraction, 6);

        // Gradient flows only where the unclipped term is the minimum: d/dlogπ = −ρA/4 there, 0 elsewhere.
        loss.backward();
        AssertClose([-0.55, 0, 0, 0.75, 0], logProbs.grad!.data<float>().Select(g => (double)g).ToArray(), 1e-5);
    }

    [Fact]
    public void Clipped_value_loss_takes_the_larger_of_the_plain_and_the_clipped_error()
    {
        using var scope = NewDisposeScope();
        // V = [1, 2], V_old = [0.5, 0.5], R = [1, 0], c = 0.2 → clipped V = [0.7, 0.7]
        // token 1: max(0², 0.3²) = 0.09; token 2: max(2², 0.7²) = 4 → ½·(4.09 / 2) = 1.0225
        var loss = PpoMath.ClippedValueLoss(tensor(new float[] { 1, 2 }).reshape(1, 2), tensor(new float[] { 0.5f, 0.5f }).reshape(1, 2),
            tensor(new float[] { 1, 0 }).reshape(1, 2), ones(1, 2), 0.2);
        Assert.Equal(1.0225, loss.item<float>(), 5);
    }

    [Fact]
    public void Entropy_of_a_uniform_distribution_is_log_of_its_size()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(Math.Log(4), PpoMath.Entropy(zeros(1, 1, 4)).item<float>(), 5);
        Assert.Equal(0, PpoMath.Entropy(tensor(new float[] { 0, -1000, -1000 }).reshape(1, 1, 3)).item<float>(), 5);
    }

    [Fact]
    public void Whitening_centres_and_scales_advantages()
    {
        AssertClose([-1.224744871, 0, 1.224744871], PpoMath.Whiten([1, 2, 3]), 1e-6);
        AssertClose([0, 0], PpoMath.Whiten([5, 5]));
    }

    [Fact]
    public void The_adaptive_kl_coefficient_moves_toward_the_target_by_a_clipped_proportional_step()
    {
        // KL 6.6 against target 6: error 0.1 → β = 0.2·(1 + 0.1·100/1000) = 0.202
        var kl = new AdaptiveKlController(0.2, 6, 1000);
        kl.Update(6.6, 100);
        Assert.Equal(0.202, kl.Coefficient, 12);
        // KL 30: error clipped to +0.2 → 0.202·(1 + 0.2·100/1000) = 0.20604
        kl.Update(30, 100);
        Assert.Equal(0.20604, kl.Coefficient, 12);
        // KL 0: error clipped to −0.2 → 0.20604·(1 − 0.02) = 0.2019192
        kl.Update(0, 100);
        Assert.Equal(0.2019192, kl.Coefficient, 12);
        // At the target it stays put.
        kl.Update(6, 100);
        Assert.Equal(0.2019192, kl.Coefficient, 12);

        var fixedKl = new FixedKlController(0.05);
        fixedKl.Update(100, 64);
        Assert.Equal(0.05, fixedKl.Coefficient);
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance = 1e-9)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}] expected {expected[i]} but got {actual[i]}");
    }
}
