import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '../../shared/components/Alert';
import { Field } from '../../shared/components/Field';
import { EMAIL_PATTERN } from '../../shared/format/text';
import { useLogin } from '../hooks/useLogin';
import { clearNotice } from '../session-store';

interface Props {
  notice: string | null;
}

export function LoginPage({ notice }: Props) {
  const { login, pending, error } = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [problems, setProblems] = useState<{ email?: string; password?: string }>({});
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Entrar — Secretaria Virtual';
    emailRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next: typeof problems = {};
    if (!email.trim()) next.email = 'Informe seu e-mail.';
    else if (!EMAIL_PATTERN.test(email.trim())) next.email = 'E-mail inválido.';
    if (!password) next.password = 'Informe sua senha.';
    setProblems(next);
    if (next.email) return emailRef.current?.focus();
    if (next.password) return passwordRef.current?.focus();
    clearNotice();
    const ok = await login(email, password);
    if (!ok) passwordRef.current?.select();
  };

  return (
    <main className="login" id="conteudo">
      <div className="login__card">
        <div className="brand brand--large">
          <span className="brand__mark" aria-hidden="true">
            SV
          </span>
          <span className="brand__name">Secretaria Virtual</span>
        </div>
        <h1 className="login__title">Entrar no painel</h1>
        <p className="login__subtitle">Acompanhe a agenda, crie reuniões e configure as integrações da sua empresa.</p>
        {notice ? <Alert tone="warning" title="Sessão encerrada">{notice}</Alert> : null}
        {error ? (
          <Alert tone="error" title="Não foi possível entrar">
            <p>{error.message}</p>
          </Alert>
        ) : null}
        <form className="form" onSubmit={submit} noValidate>
          <Field label="E-mail" error={problems.email} required>
            {(control) => (
              <input
                {...control}
                ref={emailRef}
                className="input"
                type="email"
                name="email"
                autoComplete="username"
                inputMode="email"
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            )}
          </Field>
          <Field label="Senha" error={problems.password} required>
            {(control) => (
              <input
                {...control}
                ref={passwordRef}
                className="input"
                type={showPassword ? 'text' : 'password'}
                name="password"
                autoComplete="current-password"
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
            )}
          </Field>
          <label className="checkbox">
            <input type="checkbox" checked={showPassword} onChange={(event) => setShowPassword(event.target.checked)} />
            Mostrar senha
          </label>
          <button type="submit" className="button button--primary button--block" disabled={pending}>
            {pending ? 'Entrando…' : 'Entrar'}
          </button>
        </form>
      </div>
    </main>
  );
}
