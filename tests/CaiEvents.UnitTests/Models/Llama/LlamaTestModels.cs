using CaiEvents.Models.Llama;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Llama;

/// <summary>Tiny random Llama-family models for the tests.</summary>
internal static class LlamaTestModels
{
    public const int VocabSize = 97;

    public static IEnumerable<object[]> ModelTypes => LlamaModelType.All.Select(t => new object[] { t });

    /// <summary>The tiny shape of <paramref name="modelType"/>, with weights large enough (std 0.2) that logits differ clearly.</summary>
    public static LlamaConfig TinyConfig(string modelType) =>
        LlamaShapes.Create(modelType, LlamaShapes.Tiny, VocabSize, bosTokenId: 1, eosTokenIds: [2]) with { InitializerRange = 0.2 };

    public static LlamaModel NewModel(string modelType, long seed = 1, LlamaConfig? config = null)
    {
        var model = new LlamaModel(config ?? TinyConfig(modelType));
        model.InitializeWeights(seed);
        model.eval();
        return model;
    }

    /// <summary>Same shape and bit-for-bit the same values.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }
}
