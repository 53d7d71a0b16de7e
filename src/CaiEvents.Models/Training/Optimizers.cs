using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CaiEvents.Models.Training;

/// <summary>Optimizer set-ups shared by the trainers.</summary>
public static class Optimizers
{
    /// <summary>
    /// AdamW with decoupled weight decay on weight matrices and embeddings (dim ≥ 2) and none on biases and
    /// LayerNorm parameters, the usual split for transformers. Only parameters that require gradients are optimised
    /// (a frozen base under adapters has none).
    /// </summary>
    public static AdamW AdamWDecayingMatrices(IEnumerable<Parameter> parameters, double learningRate, double weightDecay)
    {
        var all = Trainable(parameters);
        return optim.AdamW([
            new AdamW.ParamGroup(all.Where(p => p.dim() >= 2), new AdamW.Options { weight_decay = weightDecay }),
            new AdamW.ParamGroup(all.Where(p => p.dim() < 2), new AdamW.Options { weight_decay = 0 }),
        ], lr: learningRate);
    }

    /// <summary>The parameters that require gradients, in order: the ones a trainer optimises, clips and checkpoints.</summary>
    public static Parameter[] Trainable(IEnumerable<Parameter> parameters) => [.. parameters.Where(p => p.requires_grad)];

    /// <summary>Sets the learning rate of every parameter group (the schedule is computed outside).</summary>
    public static void SetLearningRate(OptimizerHelper optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
