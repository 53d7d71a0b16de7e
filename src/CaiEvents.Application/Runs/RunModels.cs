using CaiEvents.Application.Demo;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Common;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaiEvents.Application.Runs;

/// <summary>The models a run names: builtin:demo trained first, and every model loaded before anything is written.</summary>
public static class RunModels
{
    /// <summary>builtin:demo is trained on first use (a few minutes), so runs in this process never meet a missing model.</summary>
    public static void EnsureBuiltin(RunRequest request, IDemoModelTrainingObserver observer, CancellationToken ct)
    {
        if (Named(request).Select(m => m.Id).Contains(DemoModel.ModelId)) DemoModelSetup.Ensure(force: false, observer, ct);
    }

    /// <summary>
    /// Loads every model the run names (through the host's model provider, so a run in this process reuses them)
    /// before anything is written: a missing hf: directory, a malformed checkpoint or an unknown id is bad input,
    /// not a run whose every sample fails. <c>submit</c> checks hf: directories on the submitting machine.
    /// </summary>
    public static void Check(IHost host, RunRequest request)
    {
        var models = host.Services.GetRequiredService<IModelProvider>();
        foreach (var (role, id) in Named(request).Where(m => m.Id is not null).DistinctBy(m => m.Id))
        {
            try
            {
                models.Get(id!);
            }
            catch (Exception e) when (e is ArgumentException or CheckpointFormatException or IOException or InvalidDataException or FormatException
                                          or System.Text.Json.JsonException or CaiEvents.Models.Chat.ChatTemplateException)
            {
                throw new UsageException($"model '{id}' ({role}): {e.Message}");
            }
        }
    }

    private static (string Role, string? Id)[] Named(RunRequest request) =>
    [
        ("generator", request.GeneratorModel), ("critic", request.CriticModel), ("reviser", request.ReviserModel),
        ("policy", request.Feedback?.PolicyModel), ("feedback", request.Feedback?.FeedbackModel),
    ];
}
