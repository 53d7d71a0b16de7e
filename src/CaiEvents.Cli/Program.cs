using System.CommandLine;
using CaiEvents.Cli;
using CaiEvents.Cli.Commands;

// The CLI only composes: every behaviour lives in the role, event-store and model projects.
var root = new RootCommand("CaiEvents: Constitutional AI data with event-sourced provenance.")
{
    RunCommands.Demo(),
    RunCommands.Run(),
    RunCommands.Submit(),
    RunCommands.Resume(),
    RetryCommand.Create(),
    WorkerCommand.Create(),
    QueryCommands.Status(),
    QueryCommands.Wait(),
    QueryCommands.Export(),
    QueryCommands.Audit(),
    ReplayCommand.Create(),
    ModelCommands.Model(),
    BenchCommands.Bench(),
    TrainingCommands.Sft(),
    PreferenceModelCommands.Create(),
    PpoCommands.Ppo(),
    ImportCommand.Create(),
    DashboardCommand.Create(),
};
return await Cli.InvokeAsync(root, args);
