using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models;

public class TorchSharpSmokeTests
{
    [Fact]
    public void Native_library_loads_and_matmul_gives_known_value()
    {
        using var scope = NewDisposeScope();
        var a = ones(2, 2);
        var b = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var c = a.matmul(b);

        Assert.Equal(new float[] { 4, 6, 4, 6 }, c.data<float>().ToArray());
    }
}
