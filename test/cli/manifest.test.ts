import { expect } from "chai";
import { mainHelp } from "../../cli/main";
import { COMMAND_MANIFEST } from "../../cli/manifest";

describe("one command manifest drives the help", () => {
  for (const [name, entry] of Object.entries(COMMAND_MANIFEST)) {
    it(`${name}: every option is in its usage line, and the usage line is in ddbsnap --help`, () => {
      expect(entry.usage.startsWith(`${name}`)).to.equal(true);
      for (const option of Object.keys(entry.options)) {
        // estimate's --price-* flags share one placeholder; its own help lists each of them.
        const shown = option.startsWith("price-") ? "--price-<item>" : `--${option}`;
        expect(entry.usage, `${name} --${option}`).to.contain(shown);
      }
      expect(mainHelp()).to.contain(entry.usage).and.contain(entry.summary);
    });

    it(`${name}: its command module takes its usage, options and arguments from the manifest`, () => {
      const command = require(`../../cli/commands/${name}`)[name];
      expect({
        usage: command.usage,
        summary: command.summary,
        options: command.options,
        positionals: command.positionals,
      }).to.deep.equal(entry);
    });
  }
});
