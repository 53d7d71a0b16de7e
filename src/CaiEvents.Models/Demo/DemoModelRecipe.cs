using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Training;

namespace CaiEvents.Models.Demo;

/// <summary>
/// Everything that decides the demo model, a Llama-family decoder (<c>model_type</c> llama, tied embeddings) trained on the corpus
/// rendered as ChatML chat; its hash names the cached model.
/// </summary>
/// <param name="Embedding">hidden_size.</param>
/// <param name="Heads">num_attention_heads (head_dim is <paramref name="Embedding"/> / <paramref name="Heads"/>).</param>
/// <param name="KeyValueHeads">num_key_value_heads (grouped-query attention).</param>
/// <param name="IntermediateSize">Width of the SwiGLU MLP.</param>
public sealed record DemoModelRecipe(
    DemoCorpusOptions Corpus,
    int VocabSize,
    int ContextLength,
    int Embedding,
    int Layers,
    int Heads,
    TrainingOptions Training,
    int KeyValueHeads = 2,
    int IntermediateSize = 344)
{
    /// <summary>Bump when the training code changes what a recipe produces.</summary>
    /// <remarks>4: Llama (GQA, SwiGLU, RoPE) instead of GPT-2; HF tokenizer.json with ChatML's tokens; the corpus rendered as ChatML.</remarks>
    public const int Version = 4;

    /// <summary>The chat template family the demo model is trained in and ships in its tokenizer_config.json.</summary>
    public const string ChatTemplateFamily = "chatml";

    /// <summary>Sized to train in a few minutes on 2 CPU cores (about 1.1M parameters, five passes over ~0.8M tokens).</summary>
    public static DemoModelRecipe Default { get; } = new(
        new DemoCorpusOptions(),
        VocabSize: 2048, ContextLength: 512, Embedding: 128, Layers: 4, Heads: 4,
        new TrainingOptions(Epochs: 5, BatchSize: 16, LearningRate: 3e-3, WarmupSteps: 20, MinLearningRateRatio: 0.1,
            WeightDecay: 0.05, MaxGradNorm: 1.0, Seed: 1234),
        KeyValueHeads: 2, IntermediateSize: 344);

    /// <remarks>Printed with the invariant culture (as the corpus hash is), so every machine computes the same hash.</remarks>
    public string Hash(DemoCorpusInputs inputs) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture,
        $"demo-model v{Version}|{DemoCorpusGenerator.ComputeRecipeHash(inputs, Corpus)}|{VocabSize}|{ContextLength}|{Embedding}|{Layers}|{Heads}|"
        + $"llama|{KeyValueHeads}|{IntermediateSize}|{ChatTemplateFamily}@{ChatTemplates.ByName(ChatTemplateFamily).Sha256}|")
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
