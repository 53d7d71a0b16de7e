using static TorchSharp.torch;

namespace CaiEvents.Models.Training;

/// <summary>
/// Turns activation checkpointing on in every decoder inside a module (a policy, a reward model's backbone) for the life of a trainer,
/// and off again when disposed.
/// </summary>
public sealed class ActivationCheckpointingSwitch : IDisposable
{
    private readonly List<IActivationCheckpointing> _decoders = [];

    /// <param name="on">False: nothing is changed (the trainer was not asked for checkpointing).</param>
    public ActivationCheckpointingSwitch(nn.Module module, bool on)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!on) return;
        _decoders.AddRange(new[] { module }.Concat(module.modules()).OfType<IActivationCheckpointing>().Distinct());
        if (_decoders.Count == 0)
        {
            throw new NotSupportedException($"activation checkpointing is not available for {module.GetType().Name} (GPT-2 and Llama-family decoders have it)");
        }
        foreach (var decoder in _decoders) decoder.ActivationCheckpointing = true;
    }

    public void Dispose()
    {
        foreach (var decoder in _decoders) decoder.ActivationCheckpointing = false;
    }
}
