using System.Text.Json.Nodes;
using Json.Schema;

namespace CaiEvents.UnitTests.Infrastructure;

/// <summary>
/// docker-compose.yml against the Compose Specification's JSON schema (kept as data in ../shared/data/compose-spec), and what
/// the file must say for its containers to work. No Docker engine runs it here (docs/running-at-scale.md says what was not run).
/// </summary>
public class ComposeFileTests
{
    private static readonly string[] ModelRoles = ["generator", "labeller", "sfttrainer", "pmtrainer", "ppolearner"];
    private static readonly string[] Workers = ["critic", "reviser", .. ModelRoles, .. ModelRoles.Select(r => r + "-cpu")];

    private static JsonObject Compose() =>
        YamlJsonNodes.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot(), "docker-compose.yml")))!.AsObject();

    private static EvaluationResults Validate(JsonNode document)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(TestPaths.SharedData("compose-spec/compose-spec.json")));
        var options = new EvaluationOptions { OutputFormat = OutputFormat.List, EvaluateAs = SpecVersion.Draft7 };
        // The file names draft-07 by its https address, which the validator does not know as the draft-07 meta-schema's id.
        options.SchemaRegistry.Register(new Uri("https://json-schema.org/draft-07/schema"), MetaSchemas.Draft7);
        return schema.Evaluate(document, options);
    }

    private static string Errors(EvaluationResults results) => string.Join("\n", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
        .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")));

    [Fact]
    public void The_compose_file_is_valid_against_the_compose_specification_schema()
    {
        var results = Validate(Compose());
        Assert.True(results.IsValid, Errors(results));
    }

    [Fact]
    public void The_schema_check_rejects_what_compose_would_reject()
    {
        var compose = Compose();
        compose["services"]!["critic"]!["environmentt"] = new JsonObject();
        Assert.False(Validate(compose).IsValid);
        var badDepends = Compose();
        badDepends["services"]!["critic"]!["depends_on"]!["postgres"]!["condition"] = "service_finished";
        Assert.False(Validate(badDepends).IsValid);
    }

    [Fact]
    public void Gpu_services_build_with_cuda_and_run_their_models_on_it()
    {
        var services = Compose()["services"]!;
        foreach (var role in ModelRoles)
        {
            var gpu = services[role]!;
            Assert.Equal("gpu", gpu["profiles"]![0]!.GetValue<string>());
            Assert.Equal("cuda", gpu["build"]!["args"]!["TORCH_BACKEND"]!.GetValue<string>());
            Assert.Equal("cuda", gpu["environment"]!["Models__Device"]?.GetValue<string>());
            var cpu = services[role + "-cpu"]!;
            Assert.Equal("cpu", cpu["build"]!["args"]!["TORCH_BACKEND"]!.GetValue<string>());
            Assert.Null(cpu["environment"]!["Models__Device"]); // appsettings.json: cpu
        }
    }

    [Fact]
    public void Workers_start_after_the_demo_model_is_trained_into_the_cache_volume_and_share_one_output_volume()
    {
        var compose = Compose();
        var services = compose["services"]!;
        var trainer = services["demo-model"]!;
        Assert.Equal(["model", "train-demo"], trainer["command"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Contains("model-cache:/home/app/.cache/caievents", trainer["volumes"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Null(trainer["profiles"]); // both profiles need it
        var volumeNames = compose["volumes"]!.AsObject().Select(v => v.Key).ToList();
        Assert.Contains("model-cache", volumeNames);
        Assert.Contains("training-outputs", volumeNames);
        foreach (var worker in Workers)
        {
            var service = services[worker]!;
            Assert.Equal("service_completed_successfully", service["depends_on"]!["demo-model"]!["condition"]!.GetValue<string>());
            var volumes = service["volumes"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
            Assert.Contains("model-cache:/home/app/.cache/caievents", volumes);
            Assert.Contains("training-outputs:/data/outputs", volumes);
            var environment = service["environment"]!;
            // The YAML line continuation must join without a space.
            Assert.Contains(";Username=${POSTGRES_USER:-caievents};Password=${POSTGRES_PASSWORD:?", environment["ConnectionStrings__EventStore"]!.GetValue<string>());
            foreach (var (role, folder) in new[] { ("SftTrainer", "sft"), ("PMTrainer", "pm"), ("PPOLearner", "ppo") })
                Assert.Equal($"/data/outputs/{folder}", environment[$"Workers__{role}__OutputRoot"]!.GetValue<string>());
        }
    }
}
