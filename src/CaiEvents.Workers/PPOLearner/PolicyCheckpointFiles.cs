using CaiEvents.Contracts.Events;
using CaiEvents.Models;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>Loads the policy a <see cref="PolicyCheckpointed"/> event names (SFT and PPO jobs alike), refusing files that no longer match it.</summary>
public static class PolicyCheckpointFiles
{
    public static LocalTextModel Load(PolicyCheckpointed checkpoint, ModelOptions options)
    {
        var model = LocalTextModel.Load("hf:" + checkpoint.Path, checkpoint.Path, options);
        if (model.Identity.CheckpointHash != checkpoint.Sha256)
        {
            model.Dispose();
            throw new InvalidOperationException($"checkpoint {checkpoint.Path} does not match its event (sha256 {checkpoint.Sha256})");
        }
        return model;
    }
}
