using CaiEvents.Contracts;
using CaiEvents.Workers.Critic;
using CaiEvents.Workers.Generator;
using CaiEvents.Workers.Labeller;
using CaiEvents.Workers.PMTrainer;
using CaiEvents.Workers.PPOLearner;
using CaiEvents.Workers.Reviser;
using CaiEvents.Workers.SftTrainer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaiEvents.Workers;

/// <summary>Role name (<see cref="WorkerRoles"/>) → the registration module of that role's folder.</summary>
public static class WorkerRoleModules
{
    public delegate IServiceCollection RoleModule(IServiceCollection services, IConfiguration configuration);

    public static readonly IReadOnlyDictionary<string, RoleModule> All = new Dictionary<string, RoleModule>(StringComparer.Ordinal)
    {
        [WorkerRoles.Generator] = GeneratorRole.AddGeneratorRole,
        [WorkerRoles.Critic] = CriticRole.AddCriticRole,
        [WorkerRoles.Reviser] = ReviserRole.AddReviserRole,
        [WorkerRoles.Labeller] = LabellerRole.AddLabellerRole,
        [WorkerRoles.PmTrainer] = PMTrainerRole.AddPMTrainerRole,
        [WorkerRoles.PpoLearner] = PPOLearnerRole.AddPPOLearnerRole,
        [WorkerRoles.SftTrainer] = SftTrainerRole.AddSftTrainerRole,
    };

    /// <summary>The module of <paramref name="role"/>, or null for a name no role has.</summary>
    public static RoleModule? Find(string role) => All.GetValueOrDefault(role);
}
