using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Training;

/// <summary>Optimizer set-ups shared by the trainers.</summary>
public static class Optimizers
{
    /// <summary>
    /// AdamW with decoupled weight decay on weight matrices and embeddings (dim ≥ 2) and none on biases and
    /// LayerNorm parameters, the usual split for transformers.
    /// </summary>
    public static AdamW AdamWDecayingMatrices(IEnumerable<Parameter> parameters, double learningRate, double weightDecay)
    {
        var all = parameters.ToList();
        return optim.AdamW([
            new AdamW.ParamGroup(all.Where(p => p.dim() >= 2), new AdamW.Options { weight_decay = weightDecay }),
            new AdamW.ParamGroup(all.Where(p => p.dim() < 2), new AdamW.Options { weight_decay = 0 }),
        ], lr: learningRate);
    }

    /// <summary>Sets the learning rate of every parameter group (the schedule is computed outside).</summary>
    public static void SetLearningRate(OptimizerHelper optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
