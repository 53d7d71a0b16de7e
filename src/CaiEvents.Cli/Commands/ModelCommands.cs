using System.CommandLine;
using System.Text.Json;
using CaiEvents.Application.Demo;
using CaiEvents.Application.Evaluation;
using CaiEvents.Cli.Rendering;
using CaiEvents.Models.Demo;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai model train-demo|eval-labels</c>.</summary>
public static class ModelCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The demo corpus is built from the embedded constitution's own requests and comparison questions.</summary>

    public static Command Model()
    {
        var force = new Option<bool>("--force") { Description = "Retrain even if the cached model matches the recipe" };
        var trainDemo = new Command("train-demo",
            "Train builtin:demo on the synthetic corpus (cached; rebuilt when the recipe changes); prints its report as JSON.") { force };
        trainDemo.SetAction((parse, ct) =>
        {
            var report = DemoModelSetup.Ensure(parse.GetValue(force), new ConsoleDemoModelTrainingObserver(), ct);
            Console.WriteLine(JsonSerializer.Serialize(report, Json));
            return Task.FromResult(Cli.ExitOk);
        });
        var evalModel = new Option<string>("--model") { Description = "Feedback model to evaluate", DefaultValueFactory = _ => DemoModel.ModelId };
        var principles = new Option<int>("--principles") { Description = "Comparison principles per label", DefaultValueFactory = _ => 2 };
        var evalLabels = new Command("eval-labels",
            "How often the Labeller's computation (K principles × both orders) prefers the harmless answer of the demo corpus's held-out comparisons "
            + "(one JSON line).") { evalModel, principles };
        evalLabels.SetAction(async (parse, ct) =>
        {
            var result = await LabelEvaluation.EvaluateAsync(parse.GetValue(evalModel)!, parse.GetValue(principles), new ConsoleDemoModelTrainingObserver(),
                ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                eval = "labels", model = result.Model, principles_per_label = result.PrinciplesPerLabel, orders = 2, items = result.Items,
                harmless_preferred_rate = result.HarmlessPreferredRate, mean_p_harmless = result.MeanPHarmless,
            }, Json));
            return Cli.ExitOk;
        });
        return new Command("model", "Model management.") { trainDemo, evalLabels };
    }
}
