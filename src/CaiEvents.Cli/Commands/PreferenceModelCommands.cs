using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CaiEvents.Application.Training;
using CaiEvents.Cli.Options;
using CaiEvents.Cli.Rendering;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Models.Preference;

namespace CaiEvents.Cli.Commands;

/// <summary><c>cai pm train|score</c>: preference-model training as a PMTrainer job, and scoring with a checkpoint.</summary>
public static class PreferenceModelCommands
{
    public static Command Create() => new("pm", "Preference model: train on a run's AI labels (a PMTrainer job), score a response") { Train(), Score() };

    private static Command Train()
    {
        var run = new Option<string>("--run") { Description = "Run whose AI-labelled comparisons are the dataset", Required = true };
        var asOf = new Option<long?>("--as-of") { Description = "Event-store sequence the dataset is taken at (default: the store's last sequence now)" };
        var pmp = new Option<string?>("--pmp") { Description = "Ranked Q&A JSONL for preference-model pre-training before the run's labels" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs on the run's labels", DefaultValueFactory = _ => 3 };
        var pmpEpochs = new Option<int>("--pmp-epochs") { Description = "Epochs of pre-training on --pmp", DefaultValueFactory = _ => 1 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 42 };
        var baseModel = new Option<string>("--base")
        {
            Description = "Backbone: builtin:demo, builtin:tiny or hf:DIR",
            DefaultValueFactory = _ => DemoModel.ModelId,
        };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 5e-4 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 16 };
        var heldOut = new Option<double>("--heldout") { Description = "Share of the run's prompts held out for evaluation", DefaultValueFactory = _ => 0.2 };
        var human = new Option<string?>("--human") { Description = "Run whose imported human comparisons (cai import preferences) are mixed in" };
        var humanFraction = new Option<double?>("--human-fraction")
        {
            Description = "Share of human pairs in the mix, in (0, 1) (default: every imported comparison)",
        };
        var transport = new Option<string>("--transport")
        {
            Description = "inmemory (train in this process) or rabbitmq (any PMTrainer worker; this process hosts one too unless --no-local-worker)",
            DefaultValueFactory = _ => "inmemory",
        };
        var noLocal = new Option<bool>("--no-local-worker") { Description = "With rabbitmq: only send the command and wait for another worker's events" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the job to finish", DefaultValueFactory = _ => 7200 };
        var json = new Option<bool>("--json") { Description = "No progress output; only the JSON result line" };
        var compute = new TrainingComputeOptions();
        var lora = new LoraOptions();
        var command = new Command("train",
            "Train a preference model on a run's labels as of a sequence; last line: JSON with checkpoint, sha256, heldout_accuracy, ece.")
        {
            run, asOf, pmp, epochs, pmpEpochs, seed, baseModel, lr, batch, heldOut, human, humanFraction, transport, noLocal, timeout, json,
            compute.Precision, compute.GradientAccumulation, compute.ActivationCheckpointing,
        };
        lora.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var runId = Cli.ParseId(parse.GetValue(run)!, "run");
            var kind = HostOptions.ParseTransport(parse.GetValue(transport)!);
            var local = !(parse.GetValue(noLocal) && kind == TransportKind.RabbitMq);
            var quiet = parse.GetValue(json);
            var hp = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["base_model"] = parse.GetValue(baseModel)!,
                ["epochs"] = parse.GetValue(epochs).ToString(CultureInfo.InvariantCulture),
                ["lr"] = parse.GetValue(lr).ToString("R", CultureInfo.InvariantCulture),
                ["batch_size"] = parse.GetValue(batch).ToString(CultureInfo.InvariantCulture),
                ["heldout_fraction"] = parse.GetValue(heldOut).ToString("R", CultureInfo.InvariantCulture),
            };
            if (parse.GetValue(human) is { } humanRun) hp["human_run"] = Cli.ParseId(humanRun, "--human run").ToString();
            if (parse.GetValue(humanFraction) is { } share)
            {
                if (!hp.ContainsKey("human_run")) throw new UsageException("--human-fraction: needs --human");
                hp["human_fraction"] = share.ToString("R", CultureInfo.InvariantCulture);
            }
            compute.AddChanged(parse, hp);
            lora.AddChanged(parse, hp);
            if (parse.GetValue(pmp) is { } pmpFile)
            {
                if (!File.Exists(pmpFile)) throw new UsageException($"--pmp: {pmpFile}: file not found");
                CaiEvents.Domain.Preferences.PmpData.LoadFile(pmpFile); // bad input fails here, before anything is sent
                hp["pmp_file"] = Path.GetFullPath(pmpFile);
                hp["pmp_epochs"] = parse.GetValue(pmpEpochs).ToString(CultureInfo.InvariantCulture);
            }
            var (jobId, sequence, final) = await PreferenceModelTraining.TrainAsync(runId, parse.GetValue(asOf), parse.GetValue(seed), hp, kind, local,
                TimeSpan.FromSeconds(parse.GetValue(timeout)), Cli.Configuration(), new ConsolePreferenceModelTrainingObserver(quiet), ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                job_id = jobId, checkpoint = final.Path, sha256 = final.Sha256, heldout_accuracy = final.HeldOutAccuracy, ece = final.Ece,
                per_principle_accuracy = final.PerPrincipleAccuracy, epochs = final.TotalEpochs, as_of = sequence,
                ai_heldout = final.AiHeldOut is { } ai ? new { pairs = ai.Pairs, accuracy = ai.Accuracy, ece = ai.Ece } : null,
                human_heldout = final.HumanHeldOut is { } hu ? new { pairs = hu.Pairs, accuracy = hu.Accuracy, ece = hu.Ece } : null,
            }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
            return Cli.ExitOk;
        });
        return command;
    }

    private static Command Score()
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "Preference-model directory (a PreferenceModelCheckpointed path)",
            Required = true,
        };
        var prompt = new Option<string>("--prompt") { Required = true };
        var response = new Option<string>("--response") { Required = true };
        var command = new Command("score", "Print r(prompt, response) from a preference-model checkpoint.") { checkpoint, prompt, response };
        command.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(checkpoint)!;
            RewardScorer scorer;
            try
            {
                scorer = RewardScorer.Load(dir, ModelOptions.Cpu);
            }
            catch (CheckpointFormatException e)
            {
                throw new UsageException($"--checkpoint: {e.Message}");
            }
            using (scorer)
            {
                var scores = await scorer.ScoreAsync([(parse.GetValue(prompt)!, parse.GetValue(response)!)], ct);
                Console.WriteLine(scores[0].ToString("0.######", CultureInfo.InvariantCulture));
            }
            return Cli.ExitOk;
        });
        return command;
    }
}
