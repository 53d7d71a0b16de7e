using System.Text;
using CaiEvents.Domain.Prompts;

namespace CaiEvents.Application.Imports;

/// <summary>
/// <c>cai import prompts --from-transcripts</c>: a prompt set from HH-RLHF transcripts, written atomically (a temporary file
/// beside the output, then a rename), so a failed run never leaves a partial prompt set. Needs no database.
/// </summary>
public static class TranscriptPromptsFile
{
    /// <returns>The prompts written (ids name their source lines) and how many duplicate lines were dropped.</returns>
    public static TranscriptPromptSet Write(string transcriptsPath, string outPath, TranscriptTurn turn)
    {
        var input = Path.GetFullPath(transcriptsPath);
        var output = Path.GetFullPath(outPath);
        if (string.Equals(input, output, StringComparison.Ordinal))
            throw new UsageException($"--out: '{outPath}' is the transcripts file itself; write the prompt set elsewhere");
        if (Directory.Exists(output)) throw new UsageException($"--out: '{outPath}' is a directory, not a file");
        var folder = Path.GetDirectoryName(output)!;
        if (!Directory.Exists(folder)) throw new UsageException($"--out: folder '{folder}' does not exist");

        var set = TranscriptPromptExtractor.LoadFile(transcriptsPath, turn);
        var temp = $"{output}.tmp-{Environment.ProcessId}";
        try
        {
            File.WriteAllText(temp, TranscriptPromptExtractor.ToJsonl(set.Prompts), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temp, output, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new UsageException($"--out: cannot write '{outPath}': {e.Message}");
        }
        return set;
    }
}
