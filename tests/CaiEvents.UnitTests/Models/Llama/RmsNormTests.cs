using CaiEvents.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

public class RmsNormTests
{
    [Fact]
    public void Divides_by_the_root_mean_square_then_scales_by_the_weight()
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm("norm", 2, eps: 0);
        using (no_grad())
        {
            norm.parameters().Single().copy_(tensor(new float[] { 1, 10 }));
        }
        // (3, 4): mean square 12.5, rms 3.5355339; weight (1, 10).
        var y = norm.forward(tensor(new float[] { 3, 4 }, [1, 2])).data<float>().ToArray();

        Assert.Equal(3 / Math.Sqrt(12.5), y[0], 5);
        Assert.Equal(40 / Math.Sqrt(12.5), y[1], 4);
    }

    [Fact]
    public void Eps_is_added_to_the_mean_square()
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm("norm", 1, eps: 3);
        // x = 1: 1 / sqrt(1 + 3) = 0.5.
        Assert.Equal(0.5f, norm.forward(tensor(new float[] { 1 }, [1, 1])).item<float>(), 6);
    }
}
