using CaiEvents.Models;
using static TorchSharp.torch;

namespace CaiEvents.UnitTests.Models.Lora;

/// <summary>Tiny random checkpoints and fixed inputs for the LoRA tests.</summary>
internal static class LoraTestModels
{
    /// <summary>The two families whose layers LoRA wraps: GPT-2 (Conv1D layout) and the Llama family.</summary>
    public static TheoryData<string> Families => new() { RandomCheckpoints.Gpt2, "llama" };

    /// <summary>Writes a tiny checkpoint of <paramref name="family"/> into <paramref name="directory"/>; returns its sha256.</summary>
    public static string Write(string directory, string family, long seed = 7) => RandomCheckpoints.Write(directory, family, "tiny", seed);

    public static (ILocalArchitecture Architecture, LoadedCheckpoint Checkpoint) Load(string directory) =>
        ModelArchitectures.Load(directory, ModelOptions.Cpu, withoutDropout: true);

    /// <summary>Logits [2, 6, V] of two fixed rows (ids below every tiny vocabulary), in eval mode.</summary>
    public static float[] Logits(ICausalLanguageModel network)
    {
        network.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 5, 17, 42, 9, 88, 120, 3, 250, 64, 11, 7, 199 }, [2, 6]);
        return network.Logits(network.HiddenStates(ids)).to(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>Fills every B matrix with seeded noise, as training would, so the adapter changes the outputs.</summary>
    public static void Perturb(CaiEvents.Models.Lora.LoraAdapters adapters, long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach (var parameter in adapters.Parameters.Where((_, i) => i % 2 == 1))
        {
            parameter.normal_(0, 0.05, generator);
        }
    }

    public static void Dispose(ICausalLanguageModel network) => (network as IDisposable)?.Dispose();
}
