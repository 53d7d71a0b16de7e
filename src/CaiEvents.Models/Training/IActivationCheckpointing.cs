namespace CaiEvents.Models.Training;

/// <summary>
/// A decoder whose blocks can be checkpointed (<see cref="CheckpointedBlock"/>): while on, a training forward pass keeps only each
/// block's input and recomputes the block in backward. Off by default; the trainers switch it on when asked.
/// </summary>
public interface IActivationCheckpointing
{
    bool ActivationCheckpointing { get; set; }
}
