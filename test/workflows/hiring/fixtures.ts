/**
 * Resumes as the parser returns them (JSON Resume + visible text), written by hand for the
 * hiring tests, and a job to screen them against.
 */
import type { ResumeParse } from '../../../src/documents/resume/types.ts';
import type { Job } from '../../../src/workflows/hiring/jobs.ts';

export interface Person {
  name: string;
  email: string;
  phone: string;
  street: string;
  city: string;
  pronouns: [string, string, string];
}

export const ALICE: Person = { name: 'Alice Whitfield', email: 'alice.whitfield@example.org', phone: '+44 20 7946 0958', street: '12 Baker Street', city: 'London', pronouns: ['She', 'her', 'she/her'] };
export const KWAME: Person = { name: 'Kwame Mensah-Boateng', email: 'k.mensah@example.net', phone: '+49 30 1234 5678', street: 'Lindenstraße 4', city: 'Berlin', pronouns: ['He', 'his', 'he/him'] };

/** One resume; everything but the person's details is identical whoever it is written for. */
export function backendResume(p: Person, extra: { hidden?: string } = {}): ResumeParse {
  const [Subject, possessive, tag] = p.pronouns;
  const lines = [
    `${p.name} (${tag})`,
    `${p.street}, ${p.city} · ${p.email} · ${p.phone}`,
    'Summary',
    `Backend engineer with 8 years of experience. ${Subject} enjoys building reliable systems; ${possessive} focus is distributed data.`,
    'Experience',
    'Senior Software Engineer, Nordwind Logistics — 2021-03 to present',
    'Designed event-driven services in TypeScript and Node.js on PostgreSQL; led a team of four.',
    'Ran the Kubernetes migration and the CI/CD pipeline (GitHub Actions).',
    'Software Engineer, Harbour Analytics — 2017-01 to 2020-06',
    'Built REST APIs in Python and Go; wrote unit tests with pytest.',
    'Education',
    'B.Sc. Computer Science, University of Leeds, 2013 – 2016',
    'Skills',
    'TypeScript, Node.js, PostgreSQL, Kubernetes, Docker, Python, Go, AWS',
    'Date of birth: 1992-04-01 · Nationality: British · Marital status: married',
  ];
  return {
    basics: { name: p.name, email: p.email, phone: p.phone, location: { city: p.city, countryCode: 'GB' }, profiles: [] },
    work: [
      { name: 'Nordwind Logistics', position: 'Senior Software Engineer', startDate: '2021-03', highlights: [lines[6]!, lines[7]!] },
      { name: 'Harbour Analytics', position: 'Software Engineer', startDate: '2017-01', endDate: '2020-06', highlights: [lines[9]!] },
    ],
    education: [{ institution: 'University of Leeds', area: 'Computer Science', studyType: 'B.Sc.', startDate: '2013', endDate: '2016' }],
    skills: ['TypeScript', 'Node.js', 'PostgreSQL', 'Kubernetes', 'Docker', 'Python', 'Go', 'AWS'].map((name) => ({ name })),
    evidence: { 'basics.name': lines[0]!, 'basics.email': lines[1]! },
    warnings: extra.hidden ? ['hidden text dropped'] : [],
    needs_review: Boolean(extra.hidden),
    hidden_text: extra.hidden ? { dropped: 1, samples: [extra.hidden] } : { dropped: 0, samples: [] },
    visible_text: lines.join('\n'),
    source: 'text',
  };
}

export const BACKEND_JOB: Job = {
  id: 'backend-1',
  title: 'Senior Backend Engineer',
  must_have: ['5+ years of backend experience', 'TypeScript', 'PostgreSQL'],
  nice_to_have: ['Kubernetes', 'Rust', 'experience with event sourcing'],
  interviewers: [{ id: 'iv-1', name: 'Dana Reviewer', email: 'dana@mailroom.example', working_hours: '09:00-17:00', timezone: 'Europe/Berlin' }],
  alias: 'backend',
  version: 1,
};
