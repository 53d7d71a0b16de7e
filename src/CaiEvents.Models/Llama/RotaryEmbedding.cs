using static TorchSharp.torch;

namespace CaiEvents.Models.Llama;

/// <summary>
/// Rotary position embeddings as Hugging Face's Llama applies them: pair i of a head is (x[i], x[i + d/2]) ("rotate_half"),
/// rotated by position × inverse frequency i, where inverse frequency i = theta^(-2i/d), optionally rescaled
/// (<c>linear</c>, <c>llama3</c>). Pure functions.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>The d/2 inverse frequencies of a head of width <paramref name="headDim"/>, after <paramref name="scaling"/>.</summary>
    public static double[] InverseFrequencies(int headDim, double theta, RopeScaling? scaling = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        var frequencies = new double[headDim / 2];
        for (var i = 0; i < frequencies.Length; i++)
        {
            var plain = Math.Pow(theta, -2.0 * i / headDim);
            frequencies[i] = scaling?.Type switch
            {
                null => plain,
                RopeScaling.Linear => plain / scaling.Factor,
                RopeScaling.Llama3 => Llama3Frequency(plain, scaling.Factor, scaling.LowFreqFactor!.Value, scaling.HighFreqFactor!.Value,
                    scaling.OriginalMaxPositionEmbeddings!.Value),
                _ => throw new ArgumentException($"rope_scaling type '{scaling.Type}' is not supported; expected linear or llama3.", nameof(scaling)),
            };
        }
        return frequencies;
    }

    /// <summary>
    /// Llama 3.1's rescaling of one inverse frequency by its wavelength 2π/f: wavelengths longer than
    /// original/<paramref name="lowFreqFactor"/> are slowed by <paramref name="factor"/>, wavelengths shorter than
    /// original/<paramref name="highFreqFactor"/> are kept, and those between blend the two linearly in original/wavelength.
    /// </summary>
    public static double Llama3Frequency(double inverseFrequency, double factor, double lowFreqFactor, double highFreqFactor, int originalContext)
    {
        var wavelength = 2 * Math.PI / inverseFrequency;
        var lowFreqWavelength = originalContext / lowFreqFactor;
        var highFreqWavelength = originalContext / highFreqFactor;
        if (wavelength > lowFreqWavelength)
        {
            return inverseFrequency / factor;
        }
        if (wavelength < highFreqWavelength)
        {
            return inverseFrequency;
        }
        var smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
    }

    /// <summary>
    /// cos and sin [B, 1, T, d] for positions [B, T] (int64), each half of the last dimension repeating the d/2 angles,
    /// computed in float32 and cast to <paramref name="dtype"/>.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) CosSin(Tensor positions, double[] inverseFrequencies, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        using var scope = NewDisposeScope();
        var frequencies = tensor(inverseFrequencies.Select(f => (float)f).ToArray(), dtype: ScalarType.Float32, device: positions.device);
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * frequencies; // [B, T, d/2]
        var doubled = cat([angles, angles], dim: -1).unsqueeze(1); // [B, 1, T, d]
        return (doubled.cos().to(dtype).MoveToOuterDisposeScope(), doubled.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// sin with its first half negated, [-sin, sin]: with it <see cref="ApplyWithSignedSin"/> rotates by a roll instead of
    /// rotate_half's two slices, a negation and a concatenation (computed once per forward, used by every layer).
    /// </summary>
    public static Tensor SignedSin(Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(sin);
        using var scope = NewDisposeScope();
        var half = sin.shape[^1] / 2;
        return cat([-sin.narrow(-1, 0, half), sin.narrow(-1, half, half)], dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="Apply"/> with <paramref name="signedSin"/> = <see cref="SignedSin"/>(sin): roll(x, d/2) is [x₂, x₁], and
    /// [x₂, x₁]·[-sin, sin] = rotate_half(x)·sin, so the result is x·cos + rotate_half(x)·sin in three ops.
    /// </summary>
    public static Tensor ApplyWithSignedSin(Tensor x, Tensor cos, Tensor signedSin)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var rolled = x.roll(x.shape[^1] / 2, -1);
        return (x * cos).add_(rolled.mul_(signedSin)).MoveToOuterDisposeScope();
    }

    /// <summary>Rotates heads <paramref name="x"/> [B, H, T, d] by the angles behind <paramref name="cos"/>/<paramref name="sin"/>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], dim: -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
