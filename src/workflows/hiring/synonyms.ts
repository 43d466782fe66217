/**
 * Skill and term synonyms for the offline requirement rules: each group names one thing; a
 * requirement written with any member is found in a resume written with any other. `implies`
 * says a narrower term shows the broader one (PostgreSQL shows SQL), never the reverse.
 */
const GROUPS: string[][] = [
  ['javascript', 'js', 'ecmascript'],
  ['typescript', 'ts'],
  ['node.js', 'nodejs', 'node'],
  ['react', 'react.js', 'reactjs'],
  ['vue', 'vue.js', 'vuejs'],
  ['angular', 'angularjs'],
  ['postgresql', 'postgres', 'psql'],
  ['kubernetes', 'k8s'],
  ['go', 'golang'],
  ['c#', 'csharp'],
  ['c++', 'cpp'],
  ['.net', 'dotnet'],
  ['machine learning', 'ml'],
  ['artificial intelligence', 'ai'],
  ['natural language processing', 'nlp'],
  ['amazon web services', 'aws'],
  ['google cloud', 'gcp', 'google cloud platform'],
  ['azure', 'microsoft azure'],
  ['ci/cd', 'continuous integration', 'continuous delivery', 'continuous deployment', 'ci'],
  ['docker', 'containers', 'containerization', 'containerisation'],
  ['rest', 'restful', 'rest api', 'rest apis'],
  ['user experience', 'ux'],
  ['user interface', 'ui'],
  ['search engine optimization', 'seo', 'search engine optimisation'],
  ['customer relationship management', 'crm'],
  ['english', 'englisch', 'anglais'],
  ['german', 'deutsch', 'allemand'],
  ['french', 'französisch', 'français'],
  ['spanish', 'spanisch', 'español'],
  ['bachelor', 'bsc', 'b.sc', 'b.s.', 'bachelor’s', "bachelor's", 'ba', 'b.a.', 'beng', 'b.eng'],
  ['master', 'msc', 'm.sc', 'm.s.', 'master’s', "master's", 'ma', 'm.a.', 'meng', 'mba'],
  ['phd', 'ph.d', 'ph.d.', 'doctorate', 'dr.'],
  ['computer science', 'informatics', 'informatik', 'computing'],
  ['agile', 'scrum', 'kanban'],
  ['linux', 'unix'],
  ['leadership', 'team lead', 'led a team', 'managed a team', 'people management'],
  ['customer service', 'customer support', 'client service'],
  ['project management', 'pmp', 'prince2'],
  ['microsoft excel', 'excel', 'spreadsheets'],
  ['infrastructure as code', 'iac', 'terraform'],
];

const IMPLIES: Record<string, string[]> = {
  sql: ['postgresql', 'postgres', 'mysql', 'sqlite', 'oracle', 'sql server', 'mariadb', 't-sql', 'pl/sql'],
  cloud: ['amazon web services', 'aws', 'google cloud', 'gcp', 'azure'],
  'version control': ['git', 'github', 'gitlab', 'mercurial', 'svn'],
  testing: ['unit tests', 'unit testing', 'integration tests', 'jest', 'pytest', 'junit', 'tdd'],
  degree: ['bachelor', 'master', 'phd', 'bsc', 'msc', 'b.sc', 'm.sc', 'diploma', 'diplom'],
};

const byMember = new Map<string, string[]>();
for (const g of GROUPS) for (const m of g) byMember.set(m, g);

/** Every way a term may be written in a resume (the term first). */
export function variantsOf(term: string): string[] {
  const t = term.toLowerCase().trim();
  const group = byMember.get(t) ?? [];
  const narrower = IMPLIES[t] ?? [];
  return [...new Set([t, ...group, ...narrower.flatMap((n) => byMember.get(n) ?? [n])])];
}

/** Whether the term is a known name on its own (so "ci/cd" is not split at its slash). */
export function isKnownTerm(term: string): boolean {
  const t = term.toLowerCase().trim();
  return byMember.has(t) || t in IMPLIES;
}
