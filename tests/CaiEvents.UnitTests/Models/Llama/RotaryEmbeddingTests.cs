using CaiEvents.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

public class RotaryEmbeddingTests
{
    [Fact]
    public void Inverse_frequencies_are_theta_to_the_minus_2i_over_d_and_linear_scaling_divides_them()
    {
        // d = 4, theta = 10000: 10000^0 = 1 and 10000^(-2/4) = 0.01.
        Assert.Equal([1.0, 0.01], RotaryEmbedding.InverseFrequencies(4, 10000), new Tolerance(1e-15));
        Assert.Equal([0.5, 0.005], RotaryEmbedding.InverseFrequencies(4, 10000, new RopeScaling("linear", 2)), new Tolerance(1e-15));
    }

    [Fact]
    public void Llama3_scaling_keeps_short_wavelengths_divides_long_ones_and_blends_between()
    {
        // Llama 3.1's values: factor 8, low 1, high 4, original context 8192, so the bands are wavelength < 2048 (kept),
        // > 8192 (divided by 8), and between them a blend with smooth = (8192 / wavelength − 1) / 3.
        // f = 1: wavelength 2π ≈ 6.28 < 2048 -> kept.
        Assert.Equal(1.0, RotaryEmbedding.Llama3Frequency(1.0, 8, 1, 4, 8192), 15);
        // f = 1e-4: wavelength ≈ 62832 > 8192 -> 1e-4 / 8.
        Assert.Equal(1.25e-5, RotaryEmbedding.Llama3Frequency(1e-4, 8, 1, 4, 8192), 15);
        // wavelength 4096 (f = 2π/4096 = 0.0015339807878856412): smooth = (2 − 1)/3 = 1/3,
        // result = (2/3)·f/8 + (1/3)·f = f·5/12 = 0.000639158661619017.
        Assert.Equal(0.000639158661619017, RotaryEmbedding.Llama3Frequency(2 * Math.PI / 4096, 8, 1, 4, 8192), 15);
    }

    [Fact]
    public void Apply_rotates_the_pair_first_half_second_half_by_position_times_frequency()
    {
        using var scope = NewDisposeScope();
        // d = 2: one pair (x0, x1) = (1, 2) at position 3 with frequency 1 -> angle 3:
        // (x0 cos 3 − x1 sin 3, x1 cos 3 + x0 sin 3).
        var (cos, sin) = RotaryEmbedding.CosSin(tensor(new long[] { 3 }, [1, 1]), [1.0], ScalarType.Float32);
        var x = tensor(new float[] { 1, 2 }, [1, 1, 1, 2]);

        var rotated = RotaryEmbedding.Apply(x, cos, sin).data<float>().ToArray();

        Assert.Equal(Math.Cos(3) - 2 * Math.Sin(3), rotated[0], 6);
        Assert.Equal(2 * Math.Cos(3) + Math.Sin(3), rotated[1], 6);
    }

    [Fact]
    public void Apply_pairs_element_i_with_element_i_plus_half_not_neighbours()
    {
        using var scope = NewDisposeScope();
        // d = 4, frequencies (1, 0): the pair (x0, x2) turns by the angle, the pair (x1, x3) stays.
        var (cos, sin) = RotaryEmbedding.CosSin(tensor(new long[] { 1 }, [1, 1]), [1.0, 0.0], ScalarType.Float32);
        var x = tensor(new float[] { 1, 5, 0, 7 }, [1, 1, 1, 4]);

        var rotated = RotaryEmbedding.Apply(x, cos, sin).data<float>().ToArray();

        Assert.Equal(Math.Cos(1), rotated[0], 6);
        Assert.Equal(5, rotated[1], 6);
        Assert.Equal(Math.Sin(1), rotated[2], 6);
        Assert.Equal(7, rotated[3], 6);
    }

    [Fact]
    public void Apply_with_signed_sin_rotates_each_pair_i_and_i_plus_half_by_its_own_angle()
    {
        using var scope = NewDisposeScope();
        // d = 4 at position 2, frequencies (1, 0.5): pair (x0, x2) turns by 2, pair (x1, x3) by 1, worked by hand:
        // (x_i cos a − x_{i+2} sin a, x_{i+2} cos a + x_i sin a).
        var (cos, sin) = RotaryEmbedding.CosSin(tensor(new long[] { 2 }, [1, 1]), [1.0, 0.5], ScalarType.Float32);
        var x = tensor(new float[] { 1, 5, 3, 7 }, [1, 1, 1, 4]);

        var rotated = RotaryEmbedding.ApplyWithSignedSin(x, cos, RotaryEmbedding.SignedSin(sin)).data<float>().ToArray();

        Assert.Equal(1 * Math.Cos(2) - 3 * Math.Sin(2), rotated[0], 6);
        Assert.Equal(5 * Math.Cos(1) - 7 * Math.Sin(1), rotated[1], 6);
        Assert.Equal(3 * Math.Cos(2) + 1 * Math.Sin(2), rotated[2], 6);
        Assert.Equal(7 * Math.Cos(1) + 5 * Math.Sin(1), rotated[3], 6);
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
