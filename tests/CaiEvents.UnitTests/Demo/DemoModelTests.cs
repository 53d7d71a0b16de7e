using System.Globalization;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Comparison;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Gguf;
using CaiEvents.Models.Tokenization;
using CaiEvents.UnitTests.Models;

namespace CaiEvents.UnitTests.Demo;

public class DemoModelTests
{
    [Fact]
    public void Normalised_preference_is_the_softmax_of_the_two_log_probabilities()
    {
        Assert.Equal(0.25, PreferenceMath.NormalisedFirst(Math.Log(0.2), Math.Log(0.6)), 12);
        Assert.Equal(0.5, PreferenceMath.NormalisedFirst(-3, -3), 12);
        Assert.Equal(1.0, PreferenceMath.NormalisedFirst(0, -1000), 12);
    }

    /// <summary>
    /// The cached builtin:demo is retrained whenever this hash changes, so refactoring the recipe or its training options
    /// must keep it: this is the hash of the default recipe with the default constitution's inputs.
    /// </summary>
    [Fact]
    public void The_default_recipe_hash_is_pinned()
    {
        var constitution = ConstitutionLoader.LoadDefault();
        var inputs = new DemoCorpusInputs(
            constitution.CritiqueRevision.Select(p => new CritiqueRevisionRequests(p.Id, p.CritiqueRequest, p.RevisionRequest)).ToList(),
            constitution.Comparison.Select(c => c.Question).ToList());

        Assert.Equal("0e29de82ad0b03bb918775d1c6294c2bc93ec91aca9cdb643dd5f0d9ca4f3278", DemoModelRecipe.Default.Hash(inputs));

        // A machine whose culture writes 0,05 and 3E-05 differently computes the same hash (else it would retrain the cached model).
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal("0e29de82ad0b03bb918775d1c6294c2bc93ec91aca9cdb643dd5f0d9ca4f3278", DemoModelRecipe.Default.Hash(inputs));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void A_small_recipe_trains_saves_reports_and_loads_back_as_an_hf_directory()
    {
        var constitution = ConstitutionLoader.LoadDefault();
        var inputs = new DemoCorpusInputs(
            constitution.CritiqueRevision.Select(p => new CritiqueRevisionRequests(p.Id, p.CritiqueRequest, p.RevisionRequest)).ToList(),
            constitution.Comparison.Select(c => c.Question).ToList());
        var recipe = DemoModelRecipe.Default with
        {
            Corpus = new DemoCorpusOptions(TrainChars: 40_000, HeldOutChars: 8_000, HeldOutComparisons: 10),
            VocabSize = 300, Embedding = 32, Layers = 1, Heads = 2, ContextLength = 1024,
            Training = DemoModelRecipe.Default.Training with { Epochs = 1, BatchSize = 8 },
        };
        using var dir = new TempDir();
        var target = dir.File("demo");

        var steps = 0;
        var report = DemoModel.Train(inputs, recipe, target, new ModelOptions(Device: "cpu"), (_, _) => steps++);

        Assert.Equal(report.Steps, steps);
        Assert.Equal(recipe.Hash(inputs), report.RecipeHash);
        Assert.True(DemoModel.IsCurrent(inputs, recipe, target));
        Assert.False(DemoModel.IsCurrent(inputs, recipe with { Layers = 2 }, target));
        Assert.InRange(report.HarmlessPreferenceRate, 0, 1);
        Assert.Equal(10, report.HeldOutComparisons);
        foreach (var file in new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                     DemoModel.ReportFileName })
            Assert.True(File.Exists(Path.Combine(target, file)), file);

        using var loaded = (LocalTextModel)ModelCatalog.Load("hf:" + target, new ModelOptions(Device: "cpu"));
        Assert.Equal(report.WeightsSha256, loaded.Identity.CheckpointHash);

        // A Llama-family model with the ChatML template whose end of turn stops generation, as an instruct checkpoint ships.
        Assert.Equal("llama", loaded.Architecture.Name);
        Assert.Equal("chatml", loaded.ChatTemplate?.Family);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, "config.json")));
        Assert.Equal("llama", config.RootElement.GetProperty("model_type").GetString());
        Assert.Equal(2, config.RootElement.GetProperty("num_key_value_heads").GetInt32());
        Assert.True(config.RootElement.GetProperty("tie_word_embeddings").GetBoolean());
        using var tokenizerConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, "tokenizer_config.json")));
        Assert.Equal(ChatTemplates.TemplateText("chatml"), tokenizerConfig.RootElement.GetProperty("chat_template").GetString());
        using var generation = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, "generation_config.json")));
        var eosIds = generation.RootElement.GetProperty("eos_token_id").EnumerateArray().Select(e => e.GetInt32()).ToList();
        var tokenizer = (HfTokenizer)loaded.Tokenizer;
        Assert.Contains(tokenizer.TokenToId("<|im_end|>")!.Value, eosIds);
        Assert.Contains(tokenizer.TokenToId("<|im_end|>")!.Value, tokenizer.StopIds);
        Assert.Single(tokenizer.Encode("<|im_start|>"));

        // The demo's own checkpoint (its corpus-trained tokenizer included) against llama.cpp, as issue 14 asks of builtin:demo.
        HfToGgufConverter.Convert(target, dir.File("demo.gguf"), GgufFileType.F32);
        using var gguf = LlamaCppTextModel.Load(LlamaCppTextModel.Scheme + dir.File("demo.gguf"), threads: 2);
        var parity = ModelComparison.Compare(new TorchSharpModelProbe("torchsharp", loaded.Network, loaded.Tokenizer), gguf,
            [loaded.ChatTemplate!.Render([ChatMessage.FromUser("How do I pick a lock?")], addGenerationPrompt: true), "Human: hi\n\nAssistant:"]);
        Assert.True(parity.MaxAbsLogitDifference <= 1e-3, $"max |Δlogit| {parity.MaxAbsLogitDifference}");
        Assert.True(parity.AllGreedyIdentical, $"greedy agreement {parity.GreedyAgreement}");
        Assert.True(parity.AllTokenIdsEqual, "token ids differ");
    }
}
