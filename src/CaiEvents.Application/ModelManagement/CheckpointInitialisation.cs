using CaiEvents.Models;
using CaiEvents.Models.Chat;
using CaiEvents.Models.Llama;

namespace CaiEvents.Application.ModelManagement;

/// <summary><c>cai model init</c>: a randomly initialised checkpoint in the exact Hugging Face layout (<see cref="RandomCheckpoints"/>).</summary>
public static class CheckpointInitialisation
{
    /// <summary>
    /// Writes a checkpoint of <paramref name="architecture"/> and <paramref name="size"/> into <paramref name="directory"/>.
    /// A directory that already holds files is refused unless <paramref name="force"/> (files of the same names are then replaced).
    /// </summary>
    /// <exception cref="UsageException">Unknown architecture, size or template, or a non-empty directory without force.</exception>
    public static CheckpointInitResult Write(string directory, string architecture, string size, long seed, string? chatTemplate, bool force)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        // Checked before anything is written, so a bad option leaves no directory behind.
        if (!RandomCheckpoints.Architectures.Contains(architecture))
            throw new UsageException($"--arch: '{architecture}' is not one of {string.Join(", ", RandomCheckpoints.Architectures)}");
        if (!LlamaShapes.All.Contains(size)) throw new UsageException($"--size: '{size}' is not one of {string.Join(", ", LlamaShapes.All)}");
        if (chatTemplate is not null && !ChatTemplates.Families.Contains(chatTemplate))
            throw new UsageException($"--chat-template: '{chatTemplate}' is not one of {string.Join(", ", ChatTemplates.Families)}");
        if (File.Exists(full)) throw new UsageException($"--out: '{directory}' is a file, not a directory");
        if (!force && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new UsageException($"--out: '{directory}' is not empty (use --force to write over it)");
        try
        {
            var sha = RandomCheckpoints.Write(full, architecture, size, seed, chatTemplate);
            return new CheckpointInitResult(full, architecture, size, seed, chatTemplate, sha);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }
    }
}
