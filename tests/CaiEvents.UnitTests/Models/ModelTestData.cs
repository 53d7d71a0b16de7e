using CaiEvents.Models;

namespace CaiEvents.UnitTests.Models;

/// <summary>Small shared fixtures for the model tests.</summary>
internal static class ModelTestData
{
    /// <summary>A tiny random GPT-2 shape (byte-level vocabulary), with dropout so training mode differs from eval.</summary>
    public static Gpt2Config TinyConfig(int positions = 64) => new(
        VocabSize: 257, NPositions: positions, NEmbd: 32, NLayer: 2, NHead: 4, BosTokenId: 256, EosTokenId: 256);

    public static Gpt2Model NewModel(long seed = 1, Gpt2Config? config = null)
    {
        var model = new Gpt2Model(config ?? TinyConfig());
        model.InitializeWeights(seed);
        model.eval();
        return model;
    }
}
