using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Workers.Labeller;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Training;
using Spectre.Console;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai model train-demo|eval-labels</c>.</summary>
public static class ModelCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The demo corpus is built from the embedded constitution's own requests and comparison questions.</summary>
    public static DemoCorpusInputs DemoInputs()
    {
        var constitution = ConstitutionLoader.LoadDefault();
        return new DemoCorpusInputs(
            constitution.CritiqueRevision.Select(p => new CritiqueRevisionRequests(p.Id, p.CritiqueRequest, p.RevisionRequest)).ToList(),
            constitution.Comparison.Select(c => c.Question).ToList());
    }

    /// <summary>Trains builtin:demo unless the cached one was made from the current recipe; returns its report.</summary>
    public static DemoTrainingReport EnsureDemoModel(bool force, CancellationToken ct)
    {
        var inputs = DemoInputs();
        var recipe = DemoModelRecipe.Default;
        if (!force && DemoModel.IsCurrent(inputs, recipe)) return DemoModel.CachedReport()!;
        Console.Error.WriteLine($"Training {DemoModel.ModelId} (recipe {recipe.Hash(inputs)[..12]}) into {DemoModel.Directory}; this takes a few minutes on 2 cores.");
        DemoTrainingReport? report = null;
        void Train(Action<TrainingStepMetrics, int>? onStep) =>
            report = DemoModel.Train(inputs, recipe, DemoModel.Directory, new ModelOptions(Device: "cpu"), onStep, ct);
        if (Console.IsErrorRedirected)
        {
            var last = Stopwatch.StartNew();
            Train((m, total) =>
            {
                if (last.Elapsed < TimeSpan.FromSeconds(15) && m.Step + 1 < total) return;
                last.Restart();
                Console.Error.WriteLine($"train-demo: step {m.Step + 1}/{total} loss {m.Loss:0.000} lr {m.LearningRate:0.0000}");
            });
        }
        else
        {
            Cli.Err.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("training builtin:demo");
                    Train((m, total) =>
                    {
                        task.MaxValue = total;
                        task.Value = m.Step + 1;
                        task.Description = $"training builtin:demo, loss {m.Loss:0.000}";
                    });
                });
        }
        Console.Error.WriteLine($"{DemoModel.ModelId}: {report!.Steps} steps in {report.TrainSeconds:0}s, held-out loss {report.HeldOutLoss:0.000}, " +
                                $"harmless preferred on {report.HarmlessPreferenceRate:P1} of {report.HeldOutComparisons} held-out comparisons");
        return report;
    }

    public static Command Model()
    {
        var force = new Option<bool>("--force") { Description = "Retrain even if the cached model matches the recipe" };
        var trainDemo = new Command("train-demo", "Train builtin:demo on the synthetic corpus (cached; rebuilt when the recipe changes); prints its report as JSON.") { force };
        trainDemo.SetAction((parse, ct) =>
        {
            var report = EnsureDemoModel(parse.GetValue(force), ct);
            Console.WriteLine(JsonSerializer.Serialize(report, Json));
            return Task.FromResult(Cli.ExitOk);
        });
        var evalModel = new Option<string>("--model") { Description = "Feedback model to evaluate", DefaultValueFactory = _ => DemoModel.ModelId };
        var principles = new Option<int>("--principles") { Description = "Comparison principles per label", DefaultValueFactory = _ => 2 };
        var evalLabels = new Command("eval-labels", "How often the Labeller's computation (K principles × both orders) prefers the harmless answer of the demo corpus's held-out comparisons (one JSON line).") { evalModel, principles };
        evalLabels.SetAction(async (parse, ct) =>
        {
            var modelId = parse.GetValue(evalModel)!;
            if (modelId == DemoModel.ModelId) EnsureDemoModel(force: false, ct);
            var constitution = ConstitutionLoader.LoadDefault();
            var k = parse.GetValue(principles);
            if (k < 1 || k > constitution.Comparison.Count) throw new UsageException($"--principles: must be between 1 and {constitution.Comparison.Count}, got {k}");
            using var model = ModelCatalog.Load(modelId, new ModelOptions(Device: "cpu"));
            var items = DemoCorpusGenerator.Generate(DemoInputs(), DemoModelRecipe.Default.Corpus).HeldOutComparisons;
            var correct = 0;
            double sum = 0;
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                var chosen = PrincipleSampler.ChooseDistinct(constitution.Comparison, k, 42, DeterministicIds.Create(Guid.Empty, $"eval:{i}"), "comparison");
                var label = await PreferenceLabeler.LabelAsync(model, item.Prompt, item.OptionA, item.OptionB, chosen, LabelMode.Soft, 0.4, 0.6, null, ct);
                var pHarmless = item.CorrectOption == 'A' ? label.ProbabilityA : 1 - label.ProbabilityA;
                sum += pHarmless;
                if (pHarmless > 0.5) correct++;
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                eval = "labels", model = modelId, principles_per_label = k, orders = 2, items = items.Count,
                harmless_preferred_rate = Math.Round((double)correct / items.Count, 4), mean_p_harmless = Math.Round(sum / items.Count, 4),
            }, Json));
            return Cli.ExitOk;
        });
        return new Command("model", "Model management.") { trainDemo, evalLabels };
    }
}
