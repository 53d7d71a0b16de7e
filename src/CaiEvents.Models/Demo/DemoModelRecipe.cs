using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CaiEvents.Models.Training;

namespace CaiEvents.Models.Demo;

/// <summary>Everything that decides the demo model; its hash names the cached model.</summary>
public sealed record DemoModelRecipe(
    DemoCorpusOptions Corpus,
    int VocabSize,
    int ContextLength,
    int Embedding,
    int Layers,
    int Heads,
    TrainingOptions Training)
{
    /// <summary>Bump when the training code changes what a recipe produces.</summary>
    public const int Version = 3;

    /// <summary>Sized to train in a few minutes on 2 CPU cores (about 1.1M parameters, one pass over ~0.75M tokens).</summary>
    public static DemoModelRecipe Default { get; } = new(
        new DemoCorpusOptions(),
        VocabSize: 2048, ContextLength: 512, Embedding: 128, Layers: 4, Heads: 4,
        new TrainingOptions(Epochs: 5, BatchSize: 16, LearningRate: 3e-3, WarmupSteps: 20, MinLearningRateRatio: 0.1,
            WeightDecay: 0.05, MaxGradNorm: 1.0, Seed: 1234));

    /// <remarks>Printed with the invariant culture (as the corpus hash is), so every machine computes the same hash.</remarks>
    public string Hash(DemoCorpusInputs inputs) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture,
        $"demo-model v{Version}|{DemoCorpusGenerator.ComputeRecipeHash(inputs, Corpus)}|{VocabSize}|{ContextLength}|{Embedding}|{Layers}|{Heads}|")
        + HashedText(Training))));

    /// <summary>
    /// The training options as the hash has always printed them: the record text of their former type,
    /// <c>CausalLmTrainingOptions</c>. Spelled out so that renaming or reshaping the options record cannot change these
    /// bytes, which would retrain every cached demo model.
    /// </summary>
    private static string HashedText(TrainingOptions t) => string.Create(CultureInfo.InvariantCulture,
        $"CausalLmTrainingOptions {{ Epochs = {t.Epochs}, BatchSize = {t.BatchSize}, LearningRate = {t.LearningRate}, "
        + $"WarmupSteps = {t.WarmupSteps}, MinLearningRateRatio = {t.MinLearningRateRatio}, WeightDecay = {t.WeightDecay}, "
        + $"MaxGradNorm = {t.MaxGradNorm}, Seed = {t.Seed} }}");
}
